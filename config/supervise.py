"""Keep one command running: `python -m config.supervise CMD ARGS...` restarts CMD whenever it exits, and stops it
(then exits) on SIGTERM or SIGINT.

Why: honcho (`make run`) stops every process as soon as one of them exits, so a Celery worker that dies (killed,
out of memory, a crash in a native library) would take the web server and beat down with it. Wrapped in this loop
the worker comes back after a short, growing pause (1 s, doubling to 30 s; back to 1 s after a minute of uptime),
and Ctrl-C still stops everything: honcho signals the whole process group, this loop forwards the signal and exits.
"""

import signal
import subprocess
import sys
import time
from types import FrameType

UPTIME_RESET = 60.0
MAX_PAUSE = 30.0


class Supervisor:
    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.child: subprocess.Popen | None = None
        self.stopping = False

    def stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)  # Celery: SIGTERM is a warm shutdown (finish the task at hand)
        else:
            raise SystemExit(0)  # between two runs: nothing to wait for

    def run(self) -> int:
        pause = 1.0
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)  # noqa: S603 - the command line of our own Procfile
            print(f"supervise: started {self.command[0]} (pid {self.child.pid})", flush=True)
            code = self.child.wait()
            self.child = None
            if self.stopping:
                return code
            if time.monotonic() - started > UPTIME_RESET:
                pause = 1.0
            print(f"supervise: {self.command[0]} exited with {code}; restarting in {pause:.0f} s", flush=True)
            time.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m config.supervise COMMAND [ARGS...]", file=sys.stderr)
        return 2
    supervisor = Supervisor(argv)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

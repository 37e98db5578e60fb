"""A real HTTP server on 127.0.0.1 standing in for the SMS gateway (not a mock): it records every request.

Behaviours, consumed one per request (then `default`):
  "ok"        200 {"message_id": ..., "status": "sent"}
  "500"/"502"/"503"/"504"  that status
  "429"       429 with Retry-After: 0
  "slow:S"    sleep S seconds, then 200
  "hang:S"    accept and record the message, sleep S seconds (past the client's read timeout), then 200
  "invalid"   400 {"status": "invalid"}
  "reject"    422 {"status": "rejected"}
  "401"       401
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self, behaviours: list[str] | None = None, default: str = "ok") -> None:
        self.behaviours = list(behaviours or [])
        self.default = default
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with gateway.lock:
                    behaviour = gateway.behaviours.pop(0) if gateway.behaviours else gateway.default
                    gateway.requests.append({"body": body, "headers": dict(self.headers), "behaviour": behaviour,
                                             "at": time.monotonic()})
                gateway.respond(self, behaviour, body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/sms/send"

    def start(self) -> "Gateway":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def recipients(self) -> list[str]:
        with self.lock:
            return [r["body"].get("to") for r in self.requests]

    def respond(self, handler, behaviour: str, body: dict) -> None:
        status, payload, headers = 200, {"message_id": f"gw-{uuid.uuid4().hex[:12]}", "status": "sent"}, {}
        if behaviour.startswith("slow:"):
            time.sleep(float(behaviour.split(":")[1]))
        elif behaviour.startswith("hang:"):
            time.sleep(float(behaviour.split(":")[1]))
        elif behaviour in {"500", "502", "503", "504", "401"}:
            status, payload = int(behaviour), {"error": f"gateway says {behaviour}"}
        elif behaviour == "429":
            status, payload, headers = 429, {"error": "slow down"}, {"Retry-After": "0"}
        elif behaviour == "invalid":
            status, payload = 400, {"status": "invalid", "error": "invalid number"}
        elif behaviour == "reject":
            status, payload = 422, {"status": "rejected", "error": "content not approved"}
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (the accept-then-timeout case)

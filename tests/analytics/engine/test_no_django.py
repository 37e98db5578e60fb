"""The engine is pure: importing it must not import Django (STYLE: analytics/engine has no Django import)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_engine_imports_without_django():
    code = (
        "import sys\n"
        "import analytics.engine, analytics.engine.snapshot, analytics.engine.control, analytics.engine.receivables\n"
        "import analytics.engine.policy, analytics.engine.grading, analytics.engine.rfm, analytics.engine.action\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_django_text_in_engine_sources():
    for path in sorted((ROOT / "analytics" / "engine").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "import django" not in text and "from django" not in text, path.name

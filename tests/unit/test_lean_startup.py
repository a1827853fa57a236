"""What start-up leaves for later, checked in a fresh interpreter: dotenv only for a config file that needs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SETTINGS = {"AGENTBBS_MAIL_ADDR_DOMAIN": "bbs.example"}


def _dotenv_loaded(env_files: list[str]) -> tuple[bool, str]:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from agentmail.config import load_settings\n"
        f"s = load_settings({SETTINGS!r}, [Path(p) for p in {env_files!r}])\n"
        "print(json.dumps(['dotenv' in sys.modules, s.addr_domain]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded, domain = json.loads(out.stdout)
    return loaded, domain


def test_settings_without_a_config_file_load_no_dotenv(tmp_path: Path) -> None:
    assert _dotenv_loaded([str(tmp_path / "absent.env")]) == (False, "bbs.example")


def test_a_config_file_with_quotes_is_read_with_dotenv(tmp_path: Path) -> None:
    conf = tmp_path / "agentmail.env"
    conf.write_text("AGENTBBS_MAIL_ADDR_DOMAIN='from-file.example'\n")
    loaded, _ = _dotenv_loaded([str(conf)])
    assert loaded  # the environment still wins over the file: that is test_config's business


def test_the_collector_comes_back_for_long_runs_with_start_up_set_aside() -> None:
    code = (
        "import gc, json\n"
        "from agentmail.startup import collect_from_now_on\n"
        "collect_from_now_on()\n"  # never turned off (cli.main in-process): nothing happens
        "untouched = [gc.isenabled(), gc.get_freeze_count()]\n"
        "gc.disable()\n"  # as python -m agentmail starts
        "collect_from_now_on()\n"
        "print(json.dumps([untouched, gc.isenabled(), gc.get_freeze_count() > 0]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == [[True, 0], True, True]


def test_python_m_agentmail_runs_a_one_shot_command_without_the_collector_and_its_last_collection() -> None:
    code = (
        "import gc, io, runpy, sys\n"
        "sys.argv = ['agentmail', '--version']\n"
        "sys.stdout = io.StringIO()\n"
        "try:\n"
        "    runpy.run_module('agentmail', run_name='__main__')\n"  # what python -m agentmail runs
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdout = sys.__stdout__\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["False", "True"]  # and what it made is set aside: the last collection skips it


def test_a_long_run_keeps_its_final_collection() -> None:
    code = (
        "import gc\n"
        "from agentmail.startup import skip_final_collection\n"
        "skip_final_collection()\n"  # the collector is on (batch, mcp, watch, the reader): nothing is set aside
        "print(gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "0"


def test_a_plain_config_file_is_read_without_dotenv(tmp_path: Path) -> None:
    conf = tmp_path / "agentmail.env"
    conf.write_text(
        "# the host's settings\nAGENTBBS_MAIL_ADDR_DOMAIN=bbs.example\n\nAGENTBBS_MAIL_MASTER_PASS=a+b/c==\n"
    )
    assert _dotenv_loaded([str(conf)]) == (False, "bbs.example")


def test_plain_files_read_as_python_dotenv_reads_them(tmp_path: Path) -> None:
    """Random files of lines dotenv treats specially and plain ones: the shortcut, where taken, agrees."""
    import random

    from dotenv import dotenv_values

    from agentmail.config import _plain_values

    rng = random.Random(3)
    pieces = ["A", "b_1", "=", "x", "#", " ", "'", '"', "\\", "$", "{", "}", "+/", "\t", "\r", "export ", ":-", ".", ""]
    taken = 0
    path = tmp_path / "c.env"
    for _ in range(3000):
        lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(0, 4))]
        text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
        plain = _plain_values(text)
        if plain is not None:
            taken += 1
            path.write_bytes(text.encode())
            assert plain == dict(dotenv_values(path)), repr(text)
    assert taken > 300

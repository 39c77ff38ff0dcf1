"""scripts/need installs each missing tool alone, and never Debian's npm beside a Node.js from elsewhere.

The script runs with a PATH of stand-ins only: ``apt-get`` records what it was asked for and, as
Debian's packages do, puts ``node`` on the PATH for ``nodejs`` and ``npm`` for ``npm``; each
"installed" tool is an empty executable. Asked to simulate (``-s``), it answers as apt does: the
package ``refuses`` names does not resolve. Nothing is installed for real.
"""

import os
import subprocess
from pathlib import Path

import pytest

NEED = Path(__file__).resolve().parents[2] / "scripts" / "need"


def _run(tmp_path: Path, have: set[str], *tools: str, refuses: str = "") -> tuple[int, list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "apt-calls"
    for name in have - {"chromium-l10n"}:
        (bin_dir / name).write_text("#!/bin/sh\necho v20.0.0\n")
        (bin_dir / name).chmod(0o755)
    tool = "#!/bin/sh\\necho v18.0.0\\n"
    installs = (
        f'for p in "$@"; do case $p in nodejs) printf "{tool}" > {bin_dir}/node; /bin/chmod +x {bin_dir}/node;; '
        f'npm) printf "{tool}" > {bin_dir}/npm; /bin/chmod +x {bin_dir}/npm;; esac; done\n'
    )
    simulate = (
        f'if [ "$1" = -s ]; then for p in "$@"; do if [ "$p" = "{refuses}" ]; then '
        f'echo " nodejs : Conflicts: {refuses}"; echo "E: Unable to correct problems, you have held broken packages."; '
        "exit 100; fi; done; exit 0; fi\n"
    )
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n{simulate}{installs}')
    (bin_dir / "apt-get").chmod(0o755)
    locales = tmp_path / "locales"
    locales.mkdir()
    if "chromium-l10n" in have:
        (locales / "de.pak").write_bytes(b"")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "KIMNET_CHROMIUM_LOCALES": str(locales)}
    done = subprocess.run(["/bin/bash", str(NEED), *tools], env=env, capture_output=True, text=True, check=False)
    asked = [line for line in calls.read_text().splitlines() if line.startswith("install")] if calls.exists() else []
    return done.returncode, asked, done.stderr


def test_a_machine_with_nodesource_node_and_npm_gets_chromium_alone(tmp_path: Path) -> None:
    status, asked, _ = _run(tmp_path, {"java", "mvn", "node", "npm"}, "java", "mvn", "node", "chromium")
    assert status == 0
    assert len(asked) == 1
    packages = asked[0].split()
    assert "chromium" in packages
    assert "npm" not in packages
    assert "nodejs" not in packages


def test_nothing_is_installed_when_everything_is_there(tmp_path: Path) -> None:
    have = {"java", "mvn", "node", "npm", "chromium", "chromium-l10n"}
    status, asked, _ = _run(tmp_path, have, "java", "mvn", "node", "chromium")
    assert (status, asked) == (0, [])


def test_a_chromium_without_its_german_locale_gets_that_alone(tmp_path: Path) -> None:
    status, asked, _ = _run(tmp_path, {"chromium"}, "chromium")
    assert status == 0
    assert [a.split()[-1:] for a in asked] == [["chromium-l10n"]]


def test_a_bare_machine_gets_debians_node_then_debians_npm_each_on_its_own(tmp_path: Path) -> None:
    status, asked, _ = _run(tmp_path, {"java", "mvn", "chromium"}, "node")
    assert status == 0
    assert [a.split()[-1:] for a in asked] == [["nodejs"], ["npm"]]


def test_an_npm_without_node_is_refused_with_a_reason_not_mended_with_debians_nodejs(tmp_path: Path) -> None:
    status, asked, err = _run(tmp_path, {"npm"}, "node")
    assert status == 2
    assert asked == []
    assert "without Node.js" in err


def test_a_node_without_npm_is_refused_with_a_reason_not_mended_with_debians_npm(tmp_path: Path) -> None:
    status, asked, err = _run(tmp_path, {"node"}, "node")
    assert status == 2
    assert asked == []
    assert "without npm" in err


@pytest.mark.parametrize("tool", ["java", "mvn"])
def test_java_and_maven_each_come_alone(tmp_path: Path, tool: str) -> None:
    others = {"java", "mvn"} - {tool}
    status, asked, _ = _run(tmp_path, others, tool)
    assert status == 0
    assert len(asked) == 1
    assert ("maven" in asked[0]) == (tool == "mvn")
    assert os.path.basename(str(NEED)) == "need"


def test_a_nodejs_from_another_repository_without_npm_is_not_given_debians_npm(tmp_path: Path) -> None:
    """apt may take nodejs from NodeSource's repository: that one conflicts with Debian's npm ("held broken packages")."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\necho 'nodejs-legacy, npm nodejs-dev, npm'\n")
    (bin_dir / "dpkg-query").chmod(0o755)
    status, asked, err = _run(tmp_path, {"java", "mvn", "chromium"}, "node")
    assert status == 2
    assert [a.split()[-1:] for a in asked] == [["nodejs"]]
    assert "refuses Debian's" in err


def test_a_package_apt_cannot_resolve_is_refused_with_apts_reason_before_anything_is_installed(tmp_path: Path) -> None:
    # As on a machine whose nodejs apt took from elsewhere without saying so in its relations.
    status, asked, err = _run(tmp_path, {"java", "mvn", "chromium"}, "node", refuses="npm")
    assert status == 2
    assert [a.split()[-1:] for a in asked] == [["nodejs"]]
    assert "apt cannot install npm" in err
    assert "nodejs : Conflicts: npm" in err

"""Point the README's Binder badge at this clone's GitHub repository: `make binder-badge`.

The badge needs the public GitHub owner of the repository, which only its git remote knows:

    python binder/set_badge.py            # reads `git remote get-url origin`
    python binder/set_badge.py OWNER/REPO # or say it
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BADGE = re.compile(r"(https://mybinder\.org/v2/gh/)([\w.-]+)/([\w.-]+)(/HEAD\?)")
PLACEHOLDER = "OWNER-PLACEHOLDER"


def github_repository(url: str) -> str | None:
    """``owner/repo`` of a GitHub remote URL (https or ssh), else None.

    >>> github_repository("git@github.com:ada/teachflow.git")
    'ada/teachflow'
    >>> github_repository("https://github.com/ada/teachflow")
    'ada/teachflow'
    >>> github_repository("/srv/git/teachflow") is None
    True
    """
    m = re.match(
        r"^(?:https?://|ssh://git@|git@)github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", url
    )
    return f"{m.group(1)}/{m.group(2)}" if m else None


def origin() -> str | None:
    out = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=ROOT, capture_output=True, text=True
    )
    return github_repository(out.stdout.strip()) if out.returncode == 0 else None


def set_badge(readme: str, repository: str) -> str:
    """The README text with its Binder badge pointing at ``repository`` (``owner/repo``)."""
    owner, repo = repository.split("/")
    text = BADGE.sub(lambda m: f"{m.group(1)}{owner}/{repo}{m.group(4)}", readme)
    return re.sub(r"<!-- OWNER-PLACEHOLDER:[^>]*-->\n", "", text)


def main(argv) -> int:
    repository = argv[0] if argv else origin()
    if not repository:
        print(
            "set_badge: this clone has no GitHub remote named origin; give OWNER/REPO",
            file=sys.stderr,
        )
        return 2
    readme = ROOT / "README.md"
    readme.write_text(set_badge(readme.read_text(), repository))
    print(f"README.md: the Binder badge opens {repository}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A plan folder as it was at a git ref, read from git's object store (no checkout, no tar): links as git has them."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from energyplan.errors import UsageError
from energyplan.fsread import show

MAX_REF = 1024  # git's own names are far shorter; a 128 KiB ref hit the kernel's argument limit (E2BIG)
MAX_HOPS = 40  # symbolic links followed for one path, as the kernel's ELOOP limit
MAX_FOLDER_LINKS = 4  # linked folders inside linked folders: enough for shared rule packs, bounded
LINK, TREE, GITLINK = "120000", "040000", "160000"
# A link leaving the repository is refused loudly when energyplan would read the file (a table, a
# config or a rule file); any other such link (notes.txt -> /etc/hostname) is just not materialised.
READ_SUFFIXES = (".csv", ".parquet", ".xlsx", ".toml")


class _Escapes(Exception):
    """A link's target leaves the repository (absolute, or .. above its root)."""


def _git(args: list[str], cwd: Path, error: str | None = None, stdin: bytes | None = None) -> bytes:
    """Run git; a failure is a usage error with `error` (or git's last line) as the message."""
    import subprocess

    try:
        # literal pathspecs: a file named `*.csv` or `:(glob)x` is that file, never a pattern
        env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, env=env)
    except FileNotFoundError:
        raise UsageError("--git-ref needs git, which is not installed (or not on PATH)") from None
    except OSError as exc:
        raise UsageError(f"--git-ref: cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        if error:
            raise UsageError(error)
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])} failed: {message[-1] if message else 'unknown error'}")
    return done.stdout


def check_ref(ref: str) -> None:
    """A ref git can be asked about: bounded, no option look-alike, no control characters."""
    if not ref or len(ref) > MAX_REF or ref.startswith("-") or any(ord(c) < 32 or c == "\x7f" for c in ref):
        raise UsageError(f"--git-ref {show(ref)} is not a commit, branch or tag name"
                         + (f" (at most {MAX_REF} characters)" if len(ref) > MAX_REF else ""))


@dataclass
class _Tree:
    """Lookups in one commit's tree, cached."""

    top: Path
    commit: str
    entries: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    def lookup(self, path: str) -> tuple[str, str] | None:
        """(mode, object id) of the entry at repo path `path`, or None."""
        if path not in self.entries:
            out = _git(["ls-tree", "-z", "--full-tree", self.commit, "--", path], self.top)
            found = None
            for item in out.split(b"\0"):
                if item:
                    meta, name = item.split(b"\t", 1)
                    mode, _, oid = meta.decode().split(" ")
                    if os.fsdecode(name) == path:
                        found = (mode, oid)
            self.entries[path] = found
        return self.entries[path]

    def listing(self, path: str) -> list[tuple[str, str, str]]:
        """(mode, oid, repo path) of every entry below folder `path` (recursively; "" = the root)."""
        args = ["ls-tree", "-r", "-z", "--full-tree", self.commit]
        out = _git([*args, "--", f"{path}/"] if path else args, self.top)
        rows = []
        for item in out.split(b"\0"):
            if item:
                meta, name = item.split(b"\t", 1)
                mode, _, oid = meta.decode().split(" ")
                rows.append((mode, oid, os.fsdecode(name)))
        return rows

    def resolve(self, path: str, hops: int = 0) -> str | None:
        """The repo path `path` names once every link in it is followed as git/the kernel would; None
        when it does not exist (or loops); _Escapes when it leaves the repository."""
        if path.startswith("/"):
            raise _Escapes
        parts = path.split("/")
        done: list[str] = []
        for i, part in enumerate(parts):
            if part in ("", "."):
                continue
            if part == "..":
                if not done:
                    raise _Escapes
                done.pop()
                continue
            done.append(part)
            entry = self.lookup("/".join(done))
            if entry is None:
                return None
            if entry[0] == LINK:
                if hops >= MAX_HOPS:
                    return None
                target = os.fsdecode(self.blobs([entry[1]])[entry[1]])
                return self.resolve(posixpath.join(*done[:-1], target, *parts[i + 1:]), hops + 1)
        return "/".join(done)

    def blobs(self, oids: list[str]) -> dict[str, bytes]:
        """The contents of blobs, in one `git cat-file --batch`."""
        unique = list(dict.fromkeys(oids))
        if not unique:
            return {}
        out = _git(["cat-file", "--batch"], self.top, stdin="".join(f"{o}\n" for o in unique).encode())
        got, pos = {}, 0
        for oid in unique:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].decode().split(" ")
            if len(header) != 3:  # "<oid> missing": a shallow or partial clone without this object
                raise UsageError(f"--git-ref: git object {oid[:12]} is not in this clone (a shallow or partial "
                                 "clone?); fetch the history, e.g. actions/checkout with fetch-depth: 0")
            size = int(header[2])
            got[oid] = out[header_end + 1: header_end + 1 + size]
            pos = header_end + 1 + size + 1
        return got


def _materialise(tree: _Tree, src: str, dest_rel: str, dest: Path, chain: tuple[str, ...] = ()) -> None:
    """Write folder `src` of the commit at dest/dest_rel: blobs as files, in-repo links followed (`chain`:
    the folders being written, so mutual folder links end)."""
    chain = (*chain, src)
    files: dict[str, str] = {}  # repo-relative destination path → blob id
    for mode, oid, path in tree.listing(src):
        rel = posixpath.relpath(path, src) if src else path
        out = posixpath.join(dest_rel, rel) if dest_rel else rel
        if mode == GITLINK:
            continue
        if mode != LINK:
            files[out] = oid
            continue
        target = os.fsdecode(tree.blobs([oid])[oid])
        try:
            real = tree.resolve(posixpath.join(posixpath.dirname(path), target))
        except _Escapes:
            if path.endswith(READ_SUFFIXES):
                raise UsageError(
                    f"--git-ref: {path} at {tree.commit[:12]} is a symbolic link to {show(target)}, outside the "
                    "repository; energyplan reads only files inside it (commit the file itself)") from None
            continue
        if real is None:
            continue  # a dangling link: as in a checkout, the file is simply not there
        if real == "" or path.startswith(f"{real}/") or real in chain:
            continue  # a link to the root, to a folder holding it, or back up the chain: it would never end
        entry = tree.lookup(real)
        if entry is not None and entry[0] == TREE:
            if len(chain) <= MAX_FOLDER_LINKS:
                _materialise(tree, real, out, dest, chain)
        elif entry is not None and entry[0] != GITLINK:
            files[out] = entry[1]
    contents = tree.blobs(list(files.values()))
    for out, oid in files.items():
        target_path = dest / out
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target_path.write_bytes(contents[oid])


def plan_at_ref(ref: str, plan: Path, dest: Path) -> tuple[Path | None, str]:
    """Materialise `plan` as it was at git `ref` under `dest` (from git's objects; the work tree is never
    touched). Returns the folder and a label like `origin/main:plans/q4`; the folder is None when the
    plan did not exist at `ref` (a plan new in HEAD: BASE is empty, every finding is new).

    Links are followed inside the repository as a checkout would see them (a table that is a committed
    link to ../shared_sites.csv is that file); a table or config linking outside the repository is a
    usage error; pyproject.toml files above the plan come along, so `[tool.energyplan]` applies to BASE.
    """
    check_ref(ref)
    top = Path(_git(["rev-parse", "--show-toplevel"], plan,
                    f"--git-ref: {plan} is not inside a git repository").decode("utf-8", "surrogateescape").strip())
    try:
        rel = plan.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"--git-ref: {plan} is not inside the git repository {top}") from None
    rel = "" if rel == "." else rel
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top,
                  f"--git-ref {show(ref)} names no commit, branch or tag in {top} "
                  "(for a PR, fetch the base branch first)").decode().strip()
    tree = _Tree(top, commit)
    label = f"{ref}:{rel or '.'}"
    try:
        real = tree.resolve(rel) if rel else ""
    except _Escapes:
        raise UsageError(f"--git-ref: plan folder {rel} at {ref} is a link outside the repository") from None
    entry = tree.lookup(real) if real else (TREE, "")
    if real is None or entry is None or entry[0] != TREE:
        return None, label
    _materialise(tree, real, rel, dest)
    for ancestor in Path(rel).parents if rel else ():
        candidate = posixpath.join(ancestor.as_posix(), "pyproject.toml").removeprefix("./")
        found = tree.lookup(candidate)
        if found is not None and found[0] not in (TREE, GITLINK, LINK):
            (dest / candidate).parent.mkdir(parents=True, exist_ok=True)
            (dest / candidate).write_bytes(tree.blobs([found[1]])[found[1]])
    (dest / rel).mkdir(parents=True, exist_ok=True)
    return dest / rel if rel else dest, label

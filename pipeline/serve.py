"""``zksvs serve``: a resident prover on a local Unix socket, and the client ``zksvs prove --server`` uses.

A cold ``zksvs prove`` pays Python's, numba's and the kernels' start-up (about half a second of CPU) before it
proves. A prover that stays up pays it once: ``zksvs serve`` loads the prove kernels, then answers requests one at a
time (one proof already uses both cores), keeping the last proving keys it read (a .zkey is read again only when
its size or modification time changes). rapidsnark's prover server works the same way.

Protocol: one JSON object per connection, one JSON reply, each a single line (UTF-8)::

    request  {"zkey": ABS_PATH, "wtns": ABS_PATH, "proof": ABS_PATH, "public": ABS_PATH}
    reply    {"ok": true, "stages_s": {stage: seconds}}     or     {"ok": false, "error": ONE_LINE}

The socket file is created with mode 0600 (only its owner may connect). The server writes the proof and public
files itself, after proving; an error (a malformed file, a witness of another circuit) is sent back as the one line
the cold command would print, and the server goes on.

Public API::

    serve(socket_path, *, announce=print, max_keys=4) -> None      until interrupted
    request(socket_path, zkey, wtns, proof, public, timeout=None) -> dict[str, float]   raises ServerError
"""

from __future__ import annotations

import json
import os
import signal
import socket
import socketserver
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zksvs.errors import ZksvsError

DEFAULT_SOCKET = Path(os.environ.get("XDG_RUNTIME_DIR", "/tmp")) / f"zksvs-prover-{os.getuid()}.sock"


class ServerError(ZksvsError):
    """The prover server is not there, or it refused a request (its one-line reason)."""


class _Keys:
    """The last few proving keys read, by path, re-read when the file changes (size, modification time)."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._cache: OrderedDict[str, tuple[tuple[int, int], Any]] = OrderedDict()

    def get(self, path: str) -> Any:
        from prover import ZkeyProver

        st = os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns)
        hit = self._cache.get(path)
        if hit is not None and hit[0] == stamp:
            self._cache.move_to_end(path)
            return hit[1]
        prover = ZkeyProver(path)
        self._cache[path] = (stamp, prover)
        while len(self._cache) > self.max_keys:
            self._cache.popitem(last=False)
        return prover


def _prove_request(keys: _Keys, req: dict) -> dict[str, float]:
    from zksvs.formats.snarkjs_json import write_proof, write_public_inputs

    proof, public, stages = keys.get(req["zkey"]).prove(req["wtns"])
    write_proof(proof, req["proof"])
    write_public_inputs(public, req["public"])
    return stages


def serve(socket_path: str | os.PathLike = DEFAULT_SOCKET, *, announce: Callable[[str], Any] = print,
          max_keys: int = 4) -> None:  # fmt: skip
    """Serve proofs on ``socket_path`` until interrupted (see the module docstring).

    Raises
    ------
    ServerError
        The socket path is taken by a live server or cannot be created.
    """
    from prover.startup import prepare_process

    path = Path(socket_path)
    if path.exists():
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.connect(str(path))
            raise ServerError(f"{path}: a prover server is already listening there")
        except ConnectionRefusedError:
            path.unlink()  # a stale socket file from a server that did not shut down
    prepare_process("prove", announce=announce)
    keys = _Keys(max_keys)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            try:
                req = json.loads(self.rfile.readline().decode())
                for k in ("zkey", "wtns", "proof", "public"):
                    if not isinstance(req.get(k), str) or not os.path.isabs(req[k]):
                        raise ServerError(f"request field {k!r} must be an absolute path")
                reply: dict = {"ok": True, "stages_s": _prove_request(keys, req)}
            except (ZksvsError, OSError, ValueError) as e:
                reply = {"ok": False, "error": " ".join(str(e).split())}
            self.wfile.write((json.dumps(reply) + "\n").encode())

    old_umask = os.umask(0o177)  # the socket file: owner read/write only
    try:
        server = socketserver.UnixStreamServer(str(path), Handler)
    except OSError as e:
        raise ServerError(f"{path}: cannot listen there ({e.strerror or e})") from None
    finally:
        os.umask(old_umask)
    announce(f"zksvs prover server listening on {path}")

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)  # SIGTERM: leave through the finally below (the socket file is removed)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with server:
            server.serve_forever()
    finally:
        signal.signal(signal.SIGTERM, previous)
        path.unlink(missing_ok=True)


def request(socket_path: str | os.PathLike, zkey: str, wtns: str, proof: str, public: str,
            timeout: float | None = None) -> dict[str, float]:  # fmt: skip
    """Ask the server at ``socket_path`` for one proof; returns its seconds per stage.

    Raises
    ------
    ServerError
        No server listens there, or it refused the request (its reason).
    """
    req = {k: str(Path(v).resolve()) for k, v in (("zkey", zkey), ("wtns", wtns), ("proof", proof), ("public", public))}
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(socket_path))
            s.sendall((json.dumps(req) + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except (FileNotFoundError, ConnectionRefusedError):
        raise ServerError(f"{socket_path}: no prover server is listening (start one with: zksvs serve)") from None
    reply = json.loads(data.decode() or "{}")
    if not reply.get("ok"):
        raise ServerError(reply.get("error", "the prover server closed the connection"))
    return reply["stages_s"]


__all__ = ["DEFAULT_SOCKET", "ServerError", "request", "serve"]

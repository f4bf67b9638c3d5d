"""qmp.py - the few QEMU Machine Protocol commands the nested run needs (stop, migrate to a file,
cont, query-status), over the unix socket QEMU opens with -qmp. Standard library only."""
import json
import socket
import time


class QmpError(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=30.0):
        end = time.monotonic() + timeout
        while True:   # QEMU creates the socket a moment after it starts
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise QmpError(f"no QMP socket at {path} after {timeout:.0f} s")
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self._read()                      # the greeting
        self.call("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QEMU closed its QMP socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise QmpError(f"{cmd}: {reply['error'].get('desc', reply['error'])}")
            # an asynchronous event (STOP, RESUME, MIGRATION...): not our answer

    def status(self):
        return self.call("query-status").get("status", "?")

    def save_to(self, path, timeout):
        """Stop the machine and write its whole state to path (QEMU's migration stream). The
        machine stays stopped: cont() resumes it."""
        self.call("stop")
        self.call("migrate", uri=f"exec:cat > '{path}'")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            st = self.call("query-migrate").get("status")
            if st == "completed":
                return
            if st in ("failed", "cancelled"):
                raise QmpError(f"migrate to {path}: {st}")
            time.sleep(0.2)
        raise QmpError(f"migrate to {path}: not done after {timeout} s")

    def cont(self):
        self.call("cont")

    def close(self):
        self.sock.close()

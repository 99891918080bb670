"""A throwaway PostgreSQL cluster for tests: Debian's initdb and pg_ctl on a fresh
temporary directory, listening only on a Unix socket there, with fsync off. initdb refuses
to run as root, so under root the cluster runs as the `postgres` user.

As a script, for ctest's fixture:  postgres_cluster.py start|stop|restart STATE_DIR
`start` writes the admin URL to STATE_DIR/url (and prints it); the cluster itself lives in
a directory under the system's temporary folder, named in STATE_DIR/cluster."""
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ADMIN_DB = "postgres"
SUPERUSER = "postgres"


def _bin_dir():
    """The newest installed PostgreSQL's programs (/usr/lib/postgresql/<version>/bin)."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))]
    if not found:
        raise RuntimeError("PostgreSQL server programs not found: install Debian's postgresql package")
    return max(found, key=lambda d: int(Path(d).parent.name.split(".")[0]))


def _as_owner(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


class Cluster:
    """One cluster in `directory` (data in directory/data, the socket in directory)."""

    def __init__(self, directory):
        self.dir = Path(directory)
        self.bin = _bin_dir()

    @classmethod
    def create(cls):
        directory = tempfile.mkdtemp(prefix="sg-pg-")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        cluster = cls(directory)
        cluster.start()
        return cluster

    def url(self, database=ADMIN_DB):
        return f"postgresql:///{database}?host={self.dir}&user={SUPERUSER}"

    def _ctl(self, *args):
        return _as_owner([f"{self.bin}/pg_ctl", "-D", str(self.dir / "data"), "-w", "-t", "120", *args])

    def start(self):
        data = self.dir / "data"
        if not data.exists():
            _run(_as_owner([f"{self.bin}/initdb", "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]))
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        _run(self._ctl("-o", options, "-l", self._log(), "start"))

    def restart(self):
        _run(self._ctl("-m", "fast", "-l", self._log(), "restart"))  # the options it started with

    def halt(self):
        """Stops the server as an outage would (open sessions are cut off), keeping its data:
        start() brings it back."""
        _run(self._ctl("-m", "fast", "stop"))

    def _log(self):
        # The server's output goes here: left on our pipe, it would hold the caller forever.
        return str(self.dir / "log")

    def stop(self):
        if (self.dir / "data" / "postmaster.pid").exists():
            _run(self._ctl("-m", "immediate", "stop"))
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql, url=None):
        """Runs `sql` on the database at `url` (the admin database by default); its rows, unaligned."""
        return _run([f"{self.bin}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url or self.url(), "-c", sql])

    def create_database(self):
        """A new empty database; returns its URL."""
        name = "sg_" + uuid.uuid4().hex[:16]
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop", "restart"):
        print(f"usage: {argv[0]} start|stop|restart STATE_DIR", file=sys.stderr)
        return 2
    state = Path(argv[2])
    state.mkdir(parents=True, exist_ok=True)
    if argv[1] == "start":
        if (state / "cluster").exists():  # left by a run that never stopped it
            Cluster((state / "cluster").read_text()).stop()
        cluster = Cluster.create()
        (state / "cluster").write_text(str(cluster.dir))
        (state / "url").write_text(cluster.url())
        print(cluster.url())
        return 0
    if not (state / "cluster").exists():
        return 0 if argv[1] == "stop" else 1
    cluster = Cluster((state / "cluster").read_text())
    if argv[1] == "restart":
        cluster.restart()
        return 0
    (state / "url").unlink(missing_ok=True)
    cluster.stop()
    (state / "cluster").unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

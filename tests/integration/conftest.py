"""Fixtures shared by the integration tests: the Marketo simulator and SMTP sink live
for the whole run (reset before each test); each test gets its own sendguard server."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from marketo_sim import STRICT  # noqa: E402
from peers import MarketoSim, SmtpSink  # noqa: E402
from postgres_cluster import Cluster  # noqa: E402
from sendguard import Sendguard  # noqa: E402


@pytest.fixture(scope="session")
def sim_process():
    with MarketoSim() as sim:
        yield sim


@pytest.fixture(scope="session")
def sink_process():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def sim(sim_process):
    sim_process.reset()
    return sim_process


@pytest.fixture(params=["lenient", "strict"])
def sim_modes(sim, request):
    """The simulator as configured by default, then with every strictness option on
    (marketo_sim.STRICT); a test file takes it as its `sim` to run in both modes."""
    if request.param == "strict":
        sim.config(**STRICT)
    return sim


@pytest.fixture
def sink(sink_process):
    sink_process.clear()
    sink_process.set_mode("")
    sink_process.set_delay(0)
    return sink_process


@pytest.fixture
def make_server(sink, tmp_path):
    """Builds (not starts) servers; every one is stopped at the end of the test."""
    servers = []

    def make(env=None, smtp=True, workdir=None):
        server = Sendguard(smtp_url=f"smtp://127.0.0.1:{sink.port}" if smtp else None,
                           env=env, workdir=workdir or tmp_path / f"server{len(servers)}")
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    # Under the sanitizer build a report in the server's log fails the test that caused it.
    for server in servers:
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in log, f"sanitizer report in {server.log}:\n{log[-4000:]}"


@pytest.fixture
def server(make_server):
    """A running server delivering to the SMTP sink."""
    return make_server().start()


@pytest.fixture
def admin(server):
    return server.add_user("Acme", "admin@acme.com", "admin")


@pytest.fixture
def user(server):
    return server.add_user("Acme", "sam@acme.com", "user")


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory):
    """(certificate, key): a self-signed pair for localhost and 127.0.0.1, as `make run`
    makes for the demo SMTP relay."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway PostgreSQL cluster for the run, on a Unix socket in a temporary folder
    (tests/support/postgres_cluster.py)."""
    cluster = Cluster.create()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres(postgres_cluster):
    """The URL of a fresh, empty database of the test's own in the run's cluster."""
    return postgres_cluster.create_database()

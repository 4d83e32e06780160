"""Load and faults: gunicorn (several workers) on PostgreSQL, a load generator on loopback.

1. Load: LOAD_SECONDS (60) of a realistic mix — candidate portal views, interview pages,
   assessment drafts, bookings, shortlists — from LOAD_CLIENTS keep-alive clients, and on the
   same server CEILING_SECONDS (20) of the fair ceiling (the project's own bearer auth plus one
   primary-key SELECT: ``GET /api/v1/candidates/{id}``), taken in SLICES (6) alternating slices
   of each: a shared machine's speed drifts by half and more over a minute, and the ratio of
   the two must compare them under the same conditions, not a fast minute with a slow one
   (``load_vs_auth_pk_ratio_slice_min`` and ``_max``: the lowest and highest ratio of one pair).
   Then CEILING_SECONDS of a minimal endpoint (/healthz). Every slice and every client draws
   from a fresh random seed, so a later slice does not replay an earlier one's bookings (and
   measure their 409s). The CPU time of the gunicorn workers and of the PostgreSQL backends of
   the bench database is read from /proc before and after each slice of the mix:
   ``mix_cpu_ms_per_request`` is their sum over the requests served.
2. Faults: the mix again while the SMTP server is stopped for 20 seconds and a mail worker is
   killed (SIGKILL) mid-batch and restarted; afterwards every queued message must arrive exactly
   once (counted by Message-ID at the SMTP server).

Prints BENCH load_rps, load_p50_ms, load_p95_ms, load_p99_ms, load_errors,
auth_pk_ceiling_rps, load_vs_auth_pk_ratio, mix_cpu_ms_per_request (with its app and database
parts), ceiling_rps, fault_errors, mail_lost and mail_duplicates. Needs PostgreSQL
(COORDINATOR_TEST_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test); without it, says so
and exits 0. The scratch database it recreates is ``bench_coordinator_load``, or LOAD_DATABASE
(so that two checkouts can bench on one server at once).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
CEILING_SECONDS = float(os.environ.get("CEILING_SECONDS", "20"))
SLICES = max(1, int(os.environ.get("LOAD_SLICES", "6")))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "12"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
CANDIDACIES = int(os.environ.get("LOAD_CANDIDACIES", "120"))
SECRET = "bench-load-secret"
# Several checkouts may bench at once on one server: each can name its own scratch database.
DATABASE = os.environ.get("LOAD_DATABASE", "bench_coordinator_load")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str | None:
    base = sa.engine.make_url(os.environ.get("COORDINATOR_TEST_DATABASE_URL",
                                             "postgresql://postgres@127.0.0.1:5432/test"))
    base = base.set(drivername="postgresql+psycopg")
    try:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
    except sa.exc.OperationalError as err:
        print(f"PostgreSQL is not reachable ({err.orig}); skipping the load benchmark.")
        return None
    return base.set(database=DATABASE).render_as_string(hide_password=False)


class Sink:
    """An SMTP server on loopback that counts Message-IDs; can be stopped and started."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.original_content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.received.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def environment(url: str, port: int, smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "COORDINATOR_DATABASE_URL": url, "COORDINATOR_SECRET_KEY": SECRET,
        "COORDINATOR_BASE_URL": f"http://127.0.0.1:{port}",
        "COORDINATOR_SMTP_HOST": "127.0.0.1", "COORDINATOR_SMTP_PORT": str(smtp_port),
        "COORDINATOR_MAIL_FROM": "recruiting@bench.example.com",
        "COORDINATOR_MAIL_LEASE_SECONDS": "5",
        "COORDINATOR_API_RATE_LIMIT": "10000000 per minute", "FLASK_APP": "wsgi",
    })
    return env


def seed(url: str) -> dict[str, object]:
    """Users, a job with a plan, candidacies whose first round happened, tokens and links."""
    from coordinator import create_app
    from coordinator.accounts import operations as accounts
    from coordinator.accounts.models import Role
    from coordinator.candidates import links
    from coordinator.candidates import operations as candidates
    from coordinator.db import db
    from coordinator.jobs import operations as jobs
    from coordinator.jobs.operations import CriterionInput, PlannedRoundInput
    from coordinator.scheduling import operations as scheduling
    from coordinator.timeutil import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "BASE_URL": "http://127.0.0.1", "RATELIMIT_ENABLED": False})
    with app.app_context():
        recruiter = accounts.create_user(actor=None, email="recruiter@bench.example.com",
                                         name="Rita Recruiter", roles={Role.recruiter})
        manager = accounts.create_user(actor=None, email="manager@bench.example.com",
                                       name="Hugo Manager", roles={Role.hiring_manager,
                                                                   Role.interviewer})
        interviewers = [accounts.create_user(actor=None, email=f"i{n}@bench.example.com",
                                             name=f"Interviewer {n}", roles={Role.interviewer})
                        for n in range(40)]
        job = jobs.create_job(actor=recruiter, title="Backend Engineer", pay_band_min="70000",
                              pay_band_max="90000", pay_band_currency="EUR",
                              hiring_manager_id=manager.id)
        first = jobs.add_planned_round(job, PlannedRoundInput(
            title="First", relationships=["peer"],
            criteria=[CriterionInput(f"Criterion {i}") for i in range(4)]), actor=recruiter)
        second = jobs.add_planned_round(job, PlannedRoundInput(
            title="Team", relationships=["peer"],
            criteria=[CriterionInput(f"Team criterion {i}") for i in range(4)]), actor=recruiter)
        past = utcnow() - timedelta(days=2)
        portal, drafts, rounds, interviews, people = [], [], [], [], []
        for n in range(CANDIDACIES):
            person = candidates.create_candidate(actor=recruiter, name=f"Candidate {n}",
                                                 email=f"c{n}@bench.example.com",
                                                 time_zone="Europe/Berlin")
            candidacy = candidates.open_candidacy(job, person, actor=recruiter)
            held = scheduling.open_round(candidacy, first, actor=recruiter)
            interviewer = interviewers[n % len(interviewers)]
            change = scheduling.schedule_interview(
                held, actor=recruiter, starts_at=past + timedelta(minutes=n), duration_minutes=30,
                time_zone="Europe/Berlin", panel=[scheduling.Seat(interviewer.id, "peer")],
                record_past=True)
            rounds.append(scheduling.open_round(candidacy, second, actor=recruiter).id)
            interviews.append(change.interview.id)
            drafts.append((change.interview.id, interviewer.email))
            portal.append(links.issue(candidacy).token)
            people.append(person.id)
        db.session.commit()
        tokens = {u.email: accounts.create_token(u, actor=u)[1]
                  for u in [recruiter, manager, *interviewers]}
        criteria = [c.id for c in first.criteria]
        db.session.commit()
        data = {"job_id": job.id, "portal": portal, "rounds": rounds, "interviews": interviews,
                "drafts": drafts, "tokens": tokens, "criteria": criteria,
                "recruiter": recruiter.email, "manager": manager.email, "candidates": people,
                "interviewer_ids": [u.id for u in interviewers]}
        # A deployed database has planner statistics (autovacuum keeps them); one seeded a
        # moment ago has none until autovacuum's first pass, and the planner then takes every
        # table for a few rows (a nested loop over 1,400 interviews × 240 rounds made a
        # shortlist miss cost 19 ms instead of 3.5 ms).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        db.engine.dispose()
    return data


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                conn.close()
                # every worker should have booted: a few more probes over fresh connections
                for _ in range(WORKERS * 2):
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    probe.request("GET", "/readyz")
                    probe.getresponse().read()
                    probe.close()
                return process
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "flask"), "deliver-mail", "--interval", "0.5",
                             "--batch-size", "20"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving ``database`` (from their process titles)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds of the app (gunicorn master and workers) and of the database's backends."""

    def __init__(self, server: subprocess.Popen, database: str) -> None:
        self.server, self.database = server, database

    def snapshot(self) -> dict[str, dict[int, float]]:
        app = [self.server.pid, *children(self.server.pid)]
        return {"app": {pid: cpu_seconds(pid) for pid in app},
                "db": {pid: cpu_seconds(pid) for pid in backends(self.database)}}

    @staticmethod
    def used(before: dict[str, dict[int, float]],
             after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {part: sum(max(0.0, seconds - before[part].get(pid, 0.0))
                          for pid, seconds in after[part].items()) for part in after}


class Generator:
    def __init__(self, port: int, data: dict[str, object], *, ceiling: str = "") -> None:
        self.port, self.data, self.ceiling = port, data, ceiling
        self.latencies: list[float] = []
        self.kinds: dict[str, list[float]] = {}
        #: Seconds run so far (over every call of :meth:`run`).
        self.elapsed = 0.0
        self.errors = 0
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.result: dict[str, float] = {}

    def request(self, rng: random.Random) -> tuple[str, str, dict[str, str], bytes | None]:
        data = self.data
        if self.ceiling == "healthz":
            return "GET", "/healthz", {}, None
        tokens: dict[str, str] = data["tokens"]  # type: ignore[assignment]
        recruiter = {"Authorization": f"Bearer {tokens[data['recruiter']]}"}  # type: ignore[index]
        if self.ceiling == "auth_pk":
            person = rng.choice(data["candidates"])  # type: ignore[arg-type]
            return "GET", f"/api/v1/candidates/{person}", recruiter, None
        roll = rng.random()
        if roll < 0.30:
            return "GET", f"/p/{rng.choice(data['portal'])}", {}, None  # type: ignore[arg-type]
        if roll < 0.50:
            interview = rng.choice(data["interviews"])  # type: ignore[arg-type]
            return "GET", f"/api/v1/interviews/{interview}", recruiter, None
        if roll < 0.65:
            interview, email = rng.choice(data["drafts"])  # type: ignore[arg-type]
            body = {"ratings": {str(c): rng.randint(1, 4) for c in data["criteria"]},  # type: ignore[attr-defined]
                    "recommendation": rng.choice(["no", "yes"]), "notes": "Draft", "submit": False}
            return ("PUT", f"/api/v1/interviews/{interview}/assessments/mine",
                    {"Authorization": f"Bearer {tokens[email]}",
                     "Content-Type": "application/json"}, json.dumps(body).encode())
        if roll < 0.75:
            round_id = rng.choice(data["rounds"])  # type: ignore[arg-type]
            start = time.time() + 86400 * rng.randint(3, 40) + 1800 * rng.randint(0, 40)
            starts_at = time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(start - start % 1800))
            person = rng.choice(data["interviewer_ids"])  # type: ignore[arg-type]
            body = {"starts_at": starts_at, "duration_minutes": 60, "time_zone": "Europe/Berlin",
                    "panel": [{"user_id": person, "relationship": "peer"}]}
            return ("POST", f"/api/v1/rounds/{round_id}/interviews",
                    {**recruiter, "Content-Type": "application/json"}, json.dumps(body).encode())
        manager = {"Authorization": f"Bearer {tokens[data['manager']]}"}  # type: ignore[index]
        return "GET", f"/api/v1/jobs/{data['job_id']}/shortlist", manager, None

    def client(self, stop_at: float, seed: bytes) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        latencies, errors, statuses = [], 0, {}
        kinds: dict[str, list[float]] = {}
        while time.perf_counter() < stop_at:
            method, path, headers, body = self.request(rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            latencies.append(time.perf_counter() - started)
            kinds.setdefault(_kind(method, path), []).append(latencies[-1])
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 500:
                errors += 1
        conn.close()
        with self.lock:
            self.latencies += latencies
            for kind, values in kinds.items():
                self.kinds.setdefault(kind, []).extend(values)
            self.errors += errors
            for status, count in statuses.items():
                self.statuses[status] = self.statuses.get(status, 0) + count

    def run(self, seconds: float) -> dict[str, float]:
        """Run the clients for ``seconds``; the result covers every run so far."""
        stop_at = time.perf_counter() + seconds
        # A fresh seed for every client of every phase: no phase replays another's bookings.
        threads = [threading.Thread(target=self.client, args=(stop_at, os.urandom(16)))
                   for _ in range(CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.elapsed += time.perf_counter() - started
        ordered = sorted(self.latencies) or [0.0]
        self.result = {"rps": len(self.latencies) / self.elapsed,
                       "p50": statistics.median(ordered) * 1000,
                       "p95": percentile_ms(ordered, 0.95), "p99": percentile_ms(ordered, 0.99),
                       "errors": self.errors}
        return self.result

    def by_kind(self) -> str:
        """p50 / p99 (ms) and count of each kind of request so far: where the tail is."""
        parts = []
        for kind, values in sorted(self.kinds.items()):
            ordered = sorted(values)
            parts.append(f"{kind} {statistics.median(ordered) * 1000:.1f}/"
                         f"{percentile_ms(ordered, 0.99):.1f} ({len(ordered)})")
        return "; ".join(parts)


def percentile_ms(ordered: list[float], share: float) -> float:
    """The ``share`` percentile of latencies in seconds, sorted, in milliseconds."""
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def _kind(method: str, path: str) -> str:
    """The kind of a request of the mix (its route, without ids)."""
    if path.startswith("/p/"):
        return "portal"
    if path.endswith("/shortlist"):
        return "shortlist"
    if path.endswith("/assessments/mine"):
        return "draft"
    if path.endswith("/interviews") and method == "POST":
        return "booking"
    if path.startswith("/api/v1/interviews/"):
        return "interview"
    return path.split("/")[1] or path


def outbox_counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SELECT state, count(*) FROM outbox_messages GROUP BY state")).all())
    engine.dispose()
    return rows.get("pending", 0), rows.get("sent", 0), rows.get("failed", 0)


def main() -> int:
    url = database_url()
    if url is None:
        return 0
    port = free_port()
    sink = Sink()
    sink.start()
    env = environment(url, port, sink.port)
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    print(f"seeding {CANDIDACIES} candidacies ...", flush=True)
    data = seed(url)
    server = start_server(env, port)
    workers = [start_worker(env), start_worker(env)]
    try:
        meter = CpuMeter(server, sa.engine.make_url(url).database or "")
        mix = Generator(port, data)
        pk = Generator(port, data, ceiling="auth_pk")
        cpu = {"app": 0.0, "db": 0.0}
        ratios = []
        for _ in range(SLICES):
            before, served_before = meter.snapshot(), len(mix.latencies)
            mix_elapsed, pk_elapsed, pk_served = mix.elapsed, pk.elapsed, len(pk.latencies)
            mix.run(LOAD_SECONDS / SLICES)
            for part, seconds in CpuMeter.used(before, meter.snapshot()).items():
                cpu[part] += seconds
            pk.run(CEILING_SECONDS / SLICES)
            ratios.append(((len(mix.latencies) - served_before) / (mix.elapsed - mix_elapsed))
                          / max((len(pk.latencies) - pk_served) / (pk.elapsed - pk_elapsed), 1e-9))
        load, auth_pk = mix.result, pk.result
        served = max(1, len(mix.latencies))
        ceiling = Generator(port, data, ceiling="healthz").run(CEILING_SECONDS)
        print(f"BENCH load_rps {load['rps']:.1f} req/s")
        print(f"BENCH load_p50_ms {load['p50']:.1f} ms")
        print(f"BENCH load_p95_ms {load['p95']:.1f} ms")
        print(f"BENCH load_p99_ms {load['p99']:.1f} ms")
        print(f"BENCH load_errors {load['errors']} errors")
        print(f"BENCH auth_pk_ceiling_rps {auth_pk['rps']:.1f} req/s")
        print(f"BENCH load_vs_auth_pk_ratio {load['rps'] / max(auth_pk['rps'], 1e-9):.2f} x")
        print(f"BENCH load_vs_auth_pk_ratio_slice_min {min(ratios):.2f} x")
        print(f"BENCH load_vs_auth_pk_ratio_slice_max {max(ratios):.2f} x")
        print(f"BENCH mix_cpu_ms_per_request {(cpu['app'] + cpu['db']) * 1000 / served:.2f} ms")
        print(f"BENCH mix_app_cpu_ms_per_request {cpu['app'] * 1000 / served:.2f} ms")
        print(f"BENCH mix_db_cpu_ms_per_request {cpu['db'] * 1000 / served:.2f} ms")
        print(f"BENCH ceiling_rps {ceiling['rps']:.1f} req/s")
        print(f"BENCH ceiling_p95_ms {ceiling['p95']:.1f} ms", flush=True)
        print(f"load by kind (p50/p99 ms, requests): {mix.by_kind()}", flush=True)

        # --- faults: SMTP down for 20 s, a mail worker killed mid-batch -------------------------
        faulty = Generator(port, data)
        runner = threading.Thread(target=faulty.run, args=(LOAD_SECONDS,))
        runner.start()
        time.sleep(5)
        sink.stop()
        time.sleep(5)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        time.sleep(15)
        sink.start()
        workers[0] = start_worker(env)
        runner.join()
        deadline = time.time() + 180
        while time.time() < deadline:
            pending, sent, failed = outbox_counts(url)
            if pending == 0:
                break
            time.sleep(1)
        pending, sent, failed = outbox_counts(url)
        unique = len(set(sink.received))
        total = pending + sent + failed
        print(f"BENCH fault_errors {faulty.result['errors']} errors")
        print(f"BENCH fault_rps {faulty.result['rps']:.1f} req/s")
        print(f"BENCH mail_queued {total} messages")
        print(f"BENCH mail_lost {total - unique} messages")
        print(f"BENCH mail_duplicates {len(sink.received) - unique} messages")
        print(f"statuses under load: {dict(sorted(mix.statuses.items()))}; "
              f"with faults: {dict(sorted(faulty.statuses.items()))}")
    finally:
        for worker in workers:
            worker.terminate()
        server.terminate()
        server.wait(timeout=10)
        sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

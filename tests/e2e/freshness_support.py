"""Measuring how long a change takes to reach every worker of every instance (SPEC §9).

A *probe* is one question a client asks a server (a token request, `/api/me`, introspection, the
JWKS) and how its answer reads ("accepted", "refused", "signed with KID"). Before a change, every
worker answers each probe with the old state a few times, so that whatever it keeps in memory
holds that state. After the change, every instance is asked in rounds: each probe several times at
once, each request on a new connection, so that the kernel hands them to all the workers. Each
request carries an `X-Probe` header that the access log records with the pid of the worker that
answered it.

The verdict is about answers alone. An answer with the old state to a request sent more than
`BOUND` seconds after the change fails the test; so does any answer showing neither state. Polling
goes on until every worker has answered every probe with the new state to a request sent after
the bound, and fails if that takes longer than `POLL_LIMIT`.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.e2e.concurrency_support import children

BOUND = 1.0  # seconds: SPEC §9
BURST = 3  # requests of each probe to each instance in one round, sent at once
PAUSE = 0.03  # seconds between rounds, leaving the CPU to the servers
WARM_ANSWERS = 2  # old-state answers each worker gives each probe before the change
WARM_REQUESTS = 20  # requests each instance gets, at least, before the change
WARM_LIMIT = 30.0  # seconds to warm every worker up
POLL_LIMIT = 20.0  # seconds after the change by which every worker must show the new state
ACCESS_LOG_FORMAT = "%(p)s %(s)s %({x-probe}i)s"  # the worker's "<pid>", the status, the probe

_ids = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Probe:
    """One question for a server. ASK sends it to a base URL with the given headers (or returns
    None when it cannot be asked yet); READ says which state the answer shows."""

    name: str
    ask: Callable[[str, dict[str, str]], requests.Response | None]
    read: Callable[[requests.Response], str]


@dataclass(eq=False)
class Instance:
    """One server (a gunicorn master and its workers), and its access log."""

    name: str
    base: str
    master: int
    access_log: Path
    _offset: int = 0
    _worker_by_probe: dict[str, int] = field(default_factory=dict)

    def workers(self) -> set[int]:
        return children(self.master)

    def worker_of(self, probe_id: str) -> int | None:
        """The pid of the worker that answered the request PROBE_ID, once its log line is out."""
        if probe_id not in self._worker_by_probe:
            self._read_log()
        return self._worker_by_probe.get(probe_id)

    def _read_log(self) -> None:
        with self.access_log.open("rb") as log:
            log.seek(self._offset)
            text = log.read()
        complete, newline, _ = text.rpartition(b"\n")  # a line being written waits for next time
        self._offset += len(complete) + len(newline)
        for line in complete.decode(errors="replace").splitlines():
            match = re.fullmatch(r"<(\d+)> \d+ (\S+)", line.strip())
            if match:
                self._worker_by_probe[match.group(2)] = int(match.group(1))


@dataclass(frozen=True)
class Answer:
    """What one request got: when it was sent (seconds after the change; negative before it)
    and the state its answer showed."""

    probe: Probe
    instance: Instance
    probe_id: str
    sent: float
    state: str
    detail: str  # the status, and the body of an error, for messages

    def worker(self) -> int | None:
        return self.instance.worker_of(self.probe_id)

    def __str__(self) -> str:
        return (
            f"{self.probe.name} on worker {self.worker()} of instance {self.instance.name}, "
            f"sent at {self.sent:+.2f}s, showed {self.state!r} ({self.detail})"
        )


def everywhere(probes: Iterable[Probe], state: str) -> dict[Probe, str]:
    """Each of PROBES expected to show STATE."""
    return dict.fromkeys(probes, state)


def ask_round(
    pool: ThreadPoolExecutor, instances: Iterable[Instance], probes: Iterable[Probe], zero: float
) -> list[Answer]:
    """BURST requests of each probe to each instance, all at once; the answers."""
    jobs = [(probe, instance) for instance in instances for probe in probes for _ in range(BURST)]
    answers = pool.map(lambda job: _ask(job[0], job[1], zero), jobs)
    return [answer for answer in answers if answer is not None]


def _ask(probe: Probe, instance: Instance, zero: float) -> Answer | None:
    probe_id = f"p{next(_ids)}"
    sent = time.monotonic() - zero
    response = probe.ask(instance.base, {"X-Probe": probe_id})
    if response is None:
        return None
    detail = f"HTTP {response.status_code}"
    if response.status_code >= 300:
        detail += f" {response.text[:200]!r}"
    return Answer(probe, instance, probe_id, sent, probe.read(response), detail)


def warm(instances: list[Instance], expected: Mapping[Probe, str]) -> None:
    """Ask until every worker of every instance has answered each probe with its EXPECTED state
    WARM_ANSWERS times, and each instance has had WARM_REQUESTS requests; fail on any other
    answer."""
    zero = time.monotonic()
    seen: dict[tuple[Instance, int | None, Probe], int] = {}
    sent = dict.fromkeys(instances, 0)
    with ThreadPoolExecutor(max_workers=16) as pool:
        while True:
            for answer in ask_round(pool, instances, expected, zero):
                if answer.state != expected[answer.probe]:
                    pytest.fail(f"before the change, not {expected[answer.probe]!r}: {answer}")
                key = (answer.instance, answer.worker(), answer.probe)
                seen[key] = seen.get(key, 0) + 1
                sent[answer.instance] += 1
            missing = [
                f"{probe.name} on worker {worker} of instance {instance.name}"
                for instance in instances
                for worker in sorted(instance.workers())
                for probe in expected
                if seen.get((instance, worker, probe), 0) < WARM_ANSWERS
            ]
            if not missing and min(sent.values()) >= WARM_REQUESTS:
                return
            if time.monotonic() - zero > WARM_LIMIT:
                pytest.fail(f"workers not warmed up within {WARM_LIMIT:g}s: {missing}")
            time.sleep(PAUSE)


@dataclass(frozen=True)
class Measurement:
    """The answers given after a change, and what they say about its propagation."""

    change: str
    before: Mapping[Probe, str]  # the old state of each probe
    after: Mapping[Probe, str]  # the new state each probe must show
    answers: list[Answer] = field(default_factory=list)

    def is_stale(self, answer: Answer) -> bool:
        return answer.state != self.after[answer.probe]

    def late_stale(self) -> list[Answer]:
        """Old-state answers to requests sent after the bound."""
        return [answer for answer in self.answers if answer.sent > BOUND and self.is_stale(answer)]

    def unexpected(self) -> list[Answer]:
        """Answers that show neither the old nor the new state (an error page, a 500)."""
        return [
            answer
            for answer in self.answers
            if answer.state not in {self.before[answer.probe], self.after[answer.probe]}
        ]

    def uncovered(self, instances: Iterable[Instance]) -> list[str]:
        """The workers and probes without a new-state answer to a request sent after the bound."""
        shown = {
            (answer.instance, answer.worker(), answer.probe)
            for answer in self.answers
            if answer.sent > BOUND and not self.is_stale(answer)
        }
        return [
            f"{probe.name} on worker {worker} of instance {instance.name}"
            for instance in instances
            for worker in sorted(instance.workers())
            for probe in self.after
            if (instance, worker, probe) not in shown
        ]

    def fresh_from(self) -> float | None:
        """Seconds after the change from which every worker that answered with the old state
        answers with the new one: for each worker and probe, the sending time of its first
        new-state answer after its last old-state one; the latest of those. None while some
        worker's latest answer to a probe still has the old state."""
        latest = 0.0
        for (_, worker, _), answers in self._by_worker().items():
            stale = [n for n, answer in enumerate(answers) if self.is_stale(answer)]
            if worker is None or not stale:  # not attributed yet, or never stale
                continue
            if stale[-1] == len(answers) - 1:
                return None
            latest = max(latest, answers[stale[-1] + 1].sent)
        return latest

    def summary(self) -> str:
        """The measured propagation, for the test's output and its failure messages."""
        workers = {
            (answer.instance, worker)
            for answer in self.answers
            if (worker := answer.worker()) is not None
        }
        counted = f"{len(self.answers)} answers from {len(workers)} workers"
        stale = [answer for answer in self.answers if self.is_stale(answer)]
        if not stale:
            first = min(answer.sent for answer in self.answers)
            return (
                f"{self.change}: no old-state answer ({counted}, the first sent at +{first:.2f}s)"
            )
        last = max(stale, key=lambda answer: answer.sent)
        fresh = self.fresh_from()
        shown = (
            "not yet on every worker" if fresh is None else f"from +{fresh:.2f}s on every worker"
        )
        return (
            f"{self.change}: the new state {shown} ({counted}, {len(stale)} with the old state, "
            f"the last: {last})"
        )

    def _by_worker(self) -> dict[tuple[str, int | None, str], list[Answer]]:
        grouped: dict[tuple[str, int | None, str], list[Answer]] = {}
        for answer in sorted(self.answers, key=lambda answer: answer.sent):
            key = (answer.instance.name, answer.worker(), answer.probe.name)
            grouped.setdefault(key, []).append(answer)
        return grouped


def measure(
    instances: list[Instance],
    change: str,
    before: Mapping[Probe, str],
    after: Mapping[Probe, str],
    since: float,
) -> Measurement:
    """Poll every instance from now on until every worker has shown each probe's AFTER state to
    a request sent more than BOUND seconds after SINCE (the `time.monotonic()` at which CHANGE
    was made); fail on an old-state answer to such a request, on an answer showing neither
    state, and after POLL_LIMIT seconds."""
    measurement = Measurement(change, before, after)
    with ThreadPoolExecutor(max_workers=16) as pool:
        while True:
            measurement.answers.extend(ask_round(pool, instances, after, since))
            if odd := measurement.unexpected():
                settle(odd[0])
                pytest.fail(f"after {change}, neither the old nor the new state: {odd[0]}")
            if late := measurement.late_stale():
                settle(late[-1])
                pytest.fail(
                    f"after {change}, the old state more than {BOUND:g}s later: {late[-1]}\n"
                    f"{measurement.summary()}"
                )
            uncovered = measurement.uncovered(instances)
            if not uncovered:
                print(f"freshness: {measurement.summary()}")
                return measurement
            if time.monotonic() - since > POLL_LIMIT:
                pytest.fail(
                    f"after {change}, no new-state answer to a request sent after {BOUND:g}s "
                    f"within {POLL_LIMIT:g}s from: {uncovered}\n{measurement.summary()}"
                )
            time.sleep(PAUSE)


def settle(answer: Answer, timeout: float = 2.0) -> None:
    """Wait a little for the log line that names the worker of ANSWER, for a failure message."""
    deadline = time.monotonic() + timeout
    while answer.worker() is None and time.monotonic() < deadline:
        time.sleep(0.05)

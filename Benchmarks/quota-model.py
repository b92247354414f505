#!/usr/bin/env python3
"""A model, not a measurement: N containers running `cfg exec` at once against a request-rate quota, with cfg's
retry policy. Prints, per read plan, how many starts succeed and when (p50, p99, max).

Usage: Benchmarks/quota-model.py [--tasks 1000] [--secrets 7] [--spread 0] [--latency 0.03] [--trials 20]

The quota is a token bucket per region (Secrets Manager's BatchGetSecretValue: 100 requests/s; GetSecretValue
10,000/s, https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html) whose burst is assumed to
be one second of its rate (AWS does not document the burst). Every call takes --latency seconds, answered or
throttled. A throttled call is retried as cfg's Secrets Manager client retries it (Sources/CfgBackend/
RetryPolicy.swift, Sources/CfgAWS/AWSBackend.swift): AWS_MAX_ATTEMPTS attempts in all (default 3), before retry k a
wait drawn uniformly from [0, min(20 s, 200 ms * 2^k)) ("full jitter"), no retry once 60 s would be passed. A task
starts when all its calls have succeeded; it fails when one call runs out of attempts. Plans:
  * batch:   ceil(secrets/20) BatchGetSecretValue calls per task (cfg's plan when the role may call it);
  * single:  one GetSecretValue per secret, at most 16 at a time per task (cfg's plan when the role may not call
             BatchGetSecretValue, or for pinned versions).
Each task starts at a uniform random time in [0, --spread] (0: all at once).
"""
import argparse
import heapq
import math
import random
import statistics


class Bucket:
    def __init__(self, rate, burst):
        self.rate, self.burst, self.tokens, self.time = rate, burst, burst, 0.0

    def take(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.time) * self.rate)
        self.time = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def backoff(retry, elapsed, rng, base=0.2, cap=20.0, budget=60.0):
    wait = min(cap, base * 2 ** min(retry, 20)) * rng.random()
    return wait if elapsed + wait <= budget else None


def simulate(tasks, calls_per_task, parallel, rate, attempts, spread, latency, rng):
    """Returns (start times of the tasks that started, number of tasks that failed)."""
    bucket = Bucket(rate, rate)
    events = []  # (time, sequence, task, call attempt number, first attempt time)
    sequence = 0
    pending = {}  # task -> calls not yet sent
    outstanding = {}  # task -> calls in flight or waiting to retry
    finished = {}
    failed = set()
    for task in range(tasks):
        start = rng.uniform(0, spread) if spread else 0.0
        pending[task] = calls_per_task - min(parallel, calls_per_task)
        outstanding[task] = min(parallel, calls_per_task)
        for _ in range(outstanding[task]):
            heapq.heappush(events, (start, sequence, task, 0, start))
            sequence += 1
    origin = {task: None for task in range(tasks)}
    while events:
        now, _, task, retry, first = heapq.heappop(events)
        if task in failed:
            continue
        if origin[task] is None:
            origin[task] = now
        if bucket.take(now):
            outstanding[task] -= 1
            if pending[task]:
                pending[task] -= 1
                outstanding[task] += 1
                heapq.heappush(events, (now + latency, sequence, task, 0, now + latency))
                sequence += 1
            elif outstanding[task] == 0:
                finished[task] = now + latency - origin[task]
            continue
        wait = backoff(retry, now + latency - first, rng) if retry + 1 < attempts else None
        if wait is None:
            failed.add(task)
            continue
        heapq.heappush(events, (now + latency + wait, sequence, task, retry + 1, first))
        sequence += 1
    return [finished[t] for t in finished if t not in failed], len(failed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--secrets", type=int, default=7)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which the tasks start")
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per call")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plans = [("batch (BatchGetSecretValue, 100/s)", math.ceil(args.secrets / 20), 16, 100.0),
             ("single (GetSecretValue, 10,000/s)", args.secrets, 16, 10000.0)]
    print("%d tasks, %d secrets each, starting over %g s; %g ms per call; %d trials; burst = 1 s of quota (assumed)"
          % (args.tasks, args.secrets, args.spread, args.latency * 1000, args.trials))
    print("| plan | AWS_MAX_ATTEMPTS | requests | started | failed | p50 | p99 | max |")
    print("|---|---|---|---|---|---|---|---|")
    for name, calls, parallel, rate in plans:
        for attempts in (3, 5, 10):
            times, failures = [], []
            for _ in range(args.trials):
                started, failed = simulate(args.tasks, calls, parallel, rate, attempts, args.spread, args.latency,
                                           rng)
                times += started
                failures.append(failed)
            ordered = sorted(times)
            pick = lambda q: ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")
            failed = statistics.mean(failures)
            print("| %s | %d | %d | %.0f | %.0f | %.2f s | %.2f s | %.2f s |" % (
                name, attempts, args.tasks * calls, args.tasks - failed, failed, pick(0.5), pick(0.99),
                ordered[-1] if ordered else float("nan")))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""M/M/1 in SimPy (the idiomatic process style): the same queue as bench/mm1.ts.

Arrivals are Poisson at rate rho per microsecond, service is exponential with
mean 1 microsecond, one server (simpy.Resource), FIFO. Prints one JSON line:
customers served, simulated microseconds, wall seconds, mean wait (us).

usage: python3 bench/mm1_simpy.py [sim_us] [rho] [seed]
"""

import json
import random
import sys
import time

import simpy


def main() -> None:
    sim_us = float(sys.argv[1]) if len(sys.argv) > 1 else 200_000.0
    rho = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    stats = {"served": 0, "wait": 0.0}

    def customer(env: simpy.Environment):
        arrive = env.now
        with server.request() as req:
            yield req
            stats["wait"] += env.now - arrive
            yield env.timeout(rng.expovariate(1.0))
            stats["served"] += 1

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(rho))
            env.process(customer(env))

    env.process(source(env))
    t0 = time.perf_counter()
    env.run(until=sim_us)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "served": stats["served"],
        "sim_us": sim_us,
        "wall_s": wall,
        "mean_wait_us": stats["wait"] / max(1, stats["served"]),
        "simpy": simpy.__version__,
    }))


if __name__ == "__main__":
    main()

"""A Ray cluster of two nodes (1 CPU each) on this machine, run as its own process for the tests.

Started by ``tests/test_distributed.py``'s ``two_nodes`` fixture, never imported. It prints the head's
address on one line, keeps the cluster up until its standard input closes, then shuts it down.
``ray.cluster_utils.Cluster`` binds the process-wide internal key-value client of Ray to its own head
and resets it on shutdown: in the test process, which is itself connected to the session's local Ray,
that pulls the client out from under the session's driver (a rare segfault at teardown).
"""

import sys

from ray.cluster_utils import Cluster


def main() -> None:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        print(cluster.address, flush=True)
        sys.stdin.read()  # until the test closes the pipe
    finally:
        cluster.shutdown()


if __name__ == "__main__":
    main()

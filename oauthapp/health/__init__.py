"""Probes for load balancers and orchestrators: is the process up, can it serve."""

"""Runtime: what every Lambda handler shares at run time.
Owns settings (parsed once per function at cold start), HTTP plumbing, logging/metrics, and the
composition root that builds every service with its real adapters."""

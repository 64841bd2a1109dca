"""Quality: the supervisors' daily review of a random sample of answers (R6.1).
Owns the sampling (share and minimum per agent are policy data), the review queue and the outcome
of each review; a failed review can start a correction."""

"""Departments: requests an agent sends to another department (warehouse, logistics, tech; R4.3).
Owns what is asked, its response deadline (policy data, the team calendar), the answer, and a
late answer recorded as a breach, all on the inquiry's timeline."""

"""Surveys: closing the loop after a resolution (R5.2-R5.4, R6.3).
Owns the closing-loop policy, signed survey links, the survey page, the customer's confirmation
(keyword reply or link), the survey/reminder/timeout timers and the unhappy-customer escalation."""

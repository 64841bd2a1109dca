"""Disputes (R2.9): evidence recorded on the timeline, liability decided from it with a reason, and
the result reported to the customer from a template (with its lineage). The 24-hour contact deadline
is the SLA policy's; the satisfaction question after the resolution is the closing loop's."""

"""Adapters: the only place that talks to AWS. Each implements a port of inquiry_desk.ports."""

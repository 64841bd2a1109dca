"""Customers: one person across channels (R1.3, R8.5).
Owns linking identities to customers and undoing an automatic link; identity normalisation lives
with the channel codecs that produce identities."""

"""Answers: the words the desk sends (R1.6, R7).
Owns standard answer templates per language; automatic replies, the bot and the knowledge base
land here."""

"""The assistant: the bot that answers order and logistics questions on conversational channels (R1.8, R10.2).
Owns its policy (on which channels, what it answers, when it hands over), the identity check before
any order talk (R8.2), and the handoff to a person with the whole dialogue (R1.7)."""

"""Orders: what the shop tells us about its orders (R10.2), and who may hear about one (R8.2).
Owns the order record (state, payment, logistics, exception), the order port the bot and agents read
through, the feed that stores orders and opens urgent inquiries for exceptions, and the identity rule."""

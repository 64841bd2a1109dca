"""Access: who may see and act on which inquiries, customers and queues (R8.2).
Roles and teams come from the signed-in agent's Cognito groups; every API route names its need.
Pure rules here; the HTTP guard that applies them to each route lives in runtime/http.py."""

"""The two ways a request reaches an operation: the fast paths (the hot routes, without
Connexion) and Connexion (every route, validated). Both only turn a request into a
`Call` and the operation's `Reply` into a response."""

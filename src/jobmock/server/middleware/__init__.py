"""The ASGI layers around the operations, one per file, outermost first (`..app` stacks them):

1. `lifespan`: starts and stops the state and the guard; inside it `delivery.Connection`
   puts the connection's transport in the scope, for a drop to reset;
2. `guard`: who may drive the control plane, CORS;
3. `screening`: bounds on every request's head and body;
4. `dashboard`: the dashboard's files;
5. `events`: Server-Sent Events (Connexion cannot stream);
6. `delivery`: late and dropped answers, as fault scripts say (it strips the marks);
7. `journal`: writes every vendor request to the journal (with the answer's marks);
then the fast paths (`..adapters.fast_paths`) and Connexion (`..adapters.connexion_app`).
"""

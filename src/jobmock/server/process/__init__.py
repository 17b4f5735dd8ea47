"""The process around the app: uvicorn in this process, in worker processes or in a
thread; the bounds on connections; which address the process listens on."""

"""A trivial Flask app: the baseline the load figures are compared with."""
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"

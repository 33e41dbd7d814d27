"""The WSGI entry point for production servers: `gunicorn questionnaire.wsgi:app`.

It reads its configuration from the environment and refuses to start without
a real SECRET_KEY.
"""

from . import create_app

app = create_app()

"""What `flask --app wsgi` and gunicorn load."""
from forum import create_app

app = create_app()

from flask.cli import AppGroup

moderation_cli = AppGroup("moderation", help="Moderation classifier commands.")

"""The web tier alone, for gunicorn (`Procfile`'s web:). Workers and agents run as their own processes."""
from bot import logs
from bot.config import load_settings
from bot.runtime import webhook_secret_for
from bot.stores.redis_connection import connect
from bot.web.app import create_app

settings = load_settings()
logs.configure(settings.log_level, secrets=(settings.webex_access_token, settings.webex_webhook_secret))
app = create_app(settings, connect(settings), webhook_secret_for(settings))

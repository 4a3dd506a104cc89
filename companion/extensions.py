"""Extension objects, created unbound here and bound to an app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: sign-in throttles; the storage (Redis in production) is shared by all web workers
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()

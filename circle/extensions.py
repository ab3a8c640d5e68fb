"""Flask extensions, created unbound so any module can import them without a cycle."""

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from socketio.packet import Packet
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every Kring model; named constraints keep migrations portable."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
socketio = SocketIO()

login = LoginManager()
babel = Babel()
csrf = CSRFProtect()
#: Pages, scripts and styles travel compressed: a member's first load stays within 45 KB.
compress = Compress()


def rows(statement, params=None):
    """Run a statement of columns, counts or plain writes on the session's connection, in its transaction.

    Its result is rows, as `db.session.execute` gives them, at half to two thirds of the cost (an UPDATE at a
    seventh): the ORM's execution layer does nothing for a statement that builds no object, yet every step and
    answer runs a dozen (docs/performance/rows.md, "Through the session's connection"). What the session
    holds unwritten is flushed first, as its autoflush would.
    Never for a statement of whole objects (`select(Round)`): through the connection it gives their columns.
    """
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


class TextPacket(Packet):
    """A Socket.IO packet of JSON text alone: Kring sends no bytes, so no message is searched for them.

    python-socketio looks through every message it sends, value by value, for bytes to send as
    attachments: for a state of fifty members that was a fifth of a millisecond of every step
    (docs/performance/sending.md, "JSON text, not searched for bytes"). What clients send is read as before.
    """

    uses_binary_events = False

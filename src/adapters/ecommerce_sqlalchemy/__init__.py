"""SQLAlchemy 2 storage for ecommerce-core: SQLite, PostgreSQL and MariaDB/MySQL."""

from ecommerce_sqlalchemy.storage import SqlStorage, SqlUnitOfWork

__all__ = ["SqlStorage", "SqlUnitOfWork"]

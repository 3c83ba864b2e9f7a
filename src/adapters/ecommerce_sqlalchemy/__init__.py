"""SQLAlchemy 2 storage for ecommerce-core: SQLite, PostgreSQL and MariaDB/MySQL."""

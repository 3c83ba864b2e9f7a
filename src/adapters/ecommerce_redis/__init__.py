"""Redis Streams event publisher for ecommerce-core's outbox relay."""

from ecommerce_redis.publisher import RedisStreamPublisher

__all__ = ["RedisStreamPublisher"]

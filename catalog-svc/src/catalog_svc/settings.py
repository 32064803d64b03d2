"""catalog-svc settings: env vars prefixed `CATALOG_`, nested with `__` (`CATALOG_DB__URL`)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class ImportSettings(BaseModel):
    """Limits of the bulk import of procedures."""

    max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_rows: int = Field(default=200_000, ge=1)


class SearchSettings(BaseModel):
    """The search's cache of recent results (per process; cleared by this process's publishes)."""

    cache_ttl: float = Field(default=30.0, ge=0, description="Seconds a result is reused; 0 turns it off.")
    cache_size: int = Field(default=2048, ge=1, description="Results kept at most.")


class Settings(ServiceSettings):
    """Configuration of catalog-svc."""

    model_config = SettingsConfigDict(
        env_prefix="CATALOG_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "catalog"
    http: HttpSettings = HttpSettings(port=8001)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/catalog.db")
    imports: ImportSettings = ImportSettings()
    search: SearchSettings = SearchSettings()

    @property
    def allow_synthetic(self) -> bool:
        """Synthetic (load-test) procedures are refused in production."""
        return self.env != "production"

"""Settings from the environment: unsafe or malformed values are refused with a clear message.

Unit tests: no database, no app. They call ``load_settings`` directly (``get_settings`` caches).
"""

from __future__ import annotations

import stat

import pytest

from workbench.settings import SettingsError, load_settings

GOOD_SECRET = "Zq8v-3mKp_Lr7tYw2NbXc9Hd4Gf6Js1Ae5Ru0Ti8Oy"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean, valid production-like environment; each test changes what it examines."""
    for name in (
        "WORKBENCH_SECRET_KEY", "WORKBENCH_DEMO", "WORKBENCH_DATABASE_URL", "WORKBENCH_SCHEDULER",
        "WORKBENCH_COOKIE_SECURE", "WORKBENCH_ALLOWED_HOSTS", "WORKBENCH_DB_POOL",
        "WORKBENCH_SESSION_IDLE_MINUTES", "WORKBENCH_SESSION_ABSOLUTE_HOURS", "WORKBENCH_SMTP_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", GOOD_SECRET)
    return monkeypatch


def test_valid_environment_loads(env, tmp_path):
    settings = load_settings()
    assert settings.secret_key == GOOD_SECRET
    assert settings.demo is False
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'workbench.sqlite3'}"
    assert settings.is_sqlite
    assert settings.scheduler is True
    assert settings.session_idle_minutes == 30 and settings.session_absolute_hours == 12


def test_missing_secret_outside_demo_mode_is_refused(env, tmp_path):
    env.delenv("WORKBENCH_SECRET_KEY")
    with pytest.raises(SettingsError, match="WORKBENCH_SECRET_KEY") as error:
        load_settings()
    assert "not set" in str(error.value)
    assert not (tmp_path / "demo-secret-key").exists()  # no secret is made up outside demo mode


def test_empty_secret_outside_demo_mode_is_refused(env):
    env.setenv("WORKBENCH_SECRET_KEY", "")
    with pytest.raises(SettingsError, match="WORKBENCH_SECRET_KEY"):
        load_settings()


@pytest.mark.parametrize(
    "secret",
    [
        "short-but-random-7Xq",  # too short
        "x" * 31,  # one short of the minimum
        "a" * 64,  # long but repetitive
        "abababababababababababababababab",  # long, two characters
        "changeme",
        "secret",
    ],
)
def test_short_or_weak_secret_is_refused(env, secret):
    env.setenv("WORKBENCH_SECRET_KEY", secret)
    with pytest.raises(SettingsError, match="WORKBENCH_SECRET_KEY is too weak"):
        load_settings()


def test_weak_secret_is_refused_in_demo_mode_too(env):
    env.setenv("WORKBENCH_DEMO", "on")
    env.setenv("WORKBENCH_SECRET_KEY", "changeme")
    with pytest.raises(SettingsError, match="too weak"):
        load_settings()


def test_secret_of_exactly_the_minimum_length_is_accepted(env):
    secret = GOOD_SECRET[:32]
    env.setenv("WORKBENCH_SECRET_KEY", secret)
    assert load_settings().secret_key == secret


def test_demo_mode_without_secret_generates_one_and_reuses_it(env, tmp_path):
    env.delenv("WORKBENCH_SECRET_KEY")
    env.setenv("WORKBENCH_DEMO", "on")
    first = load_settings()
    assert first.demo is True
    assert len(first.secret_key) >= 32
    stored = tmp_path / "demo-secret-key"
    assert stored.read_text().strip() == first.secret_key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600  # readable by the owner only

    second = load_settings()
    assert second.secret_key == first.secret_key


def test_demo_secret_is_per_data_directory(env, tmp_path):
    env.delenv("WORKBENCH_SECRET_KEY")
    env.setenv("WORKBENCH_DEMO", "on")
    env.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "one"))
    one = load_settings().secret_key
    env.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "two"))
    two = load_settings().secret_key
    assert one != two


def test_demo_mode_uses_an_explicit_secret(env, tmp_path):
    env.setenv("WORKBENCH_DEMO", "on")
    assert load_settings().secret_key == GOOD_SECRET
    assert not (tmp_path / "demo-secret-key").exists()


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("mysql://root@localhost/workbench", "mysql"),
        ("oracle://scott:tiger@db/orcl", "oracle"),
        ("sqlite://relative.db", "sqlite"),  # two slashes: not a file path
        ("/var/lib/workbench.sqlite3", "/var/lib/workbench.sqlite3"),
    ],
)
def test_bad_database_url_scheme_is_refused(env, url, scheme):
    env.setenv("WORKBENCH_DATABASE_URL", url)
    with pytest.raises(SettingsError, match="WORKBENCH_DATABASE_URL") as error:
        load_settings()
    assert repr(scheme) in str(error.value)


def test_database_url_with_credentials_is_not_echoed_in_the_error(env):
    env.setenv("WORKBENCH_DATABASE_URL", "mysql://admin:hunter2-password@db/workbench")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    "url",
    ["postgresql://workbench@db:5432/workbench", "postgres://workbench@db/workbench", "sqlite:////srv/wb.sqlite3"],
)
def test_supported_database_urls_are_accepted(env, url):
    env.setenv("WORKBENCH_DATABASE_URL", url)
    settings = load_settings()
    assert settings.database_url == url
    assert settings.is_sqlite is url.startswith("sqlite:")


@pytest.mark.parametrize("name", ["WORKBENCH_SCHEDULER", "WORKBENCH_DEMO", "WORKBENCH_COOKIE_SECURE", "WORKBENCH_DB_POOL"])
def test_on_off_setting_with_another_value_is_refused(env, name):
    env.setenv(name, "maybe")
    with pytest.raises(SettingsError, match=name) as error:
        load_settings()
    assert "'maybe'" in str(error.value)


@pytest.mark.parametrize("value, expected", [("on", True), ("ON", True), ("1", True), ("yes", True), ("off", False), ("false", False), ("0", False), ("", True)])
def test_scheduler_flag_spellings(env, value, expected):
    env.setenv("WORKBENCH_SCHEDULER", value)
    assert load_settings().scheduler is expected


def test_cookie_secure_defaults_on_outside_demo_mode(env):
    settings = load_settings()
    assert settings.demo is False
    assert settings.cookie_secure is True


def test_cookie_secure_defaults_off_in_demo_mode(env):
    env.setenv("WORKBENCH_DEMO", "on")
    settings = load_settings()
    assert settings.demo is True
    assert settings.cookie_secure is False


def test_cookie_secure_can_be_set_either_way(env):
    env.setenv("WORKBENCH_COOKIE_SECURE", "off")
    assert load_settings().cookie_secure is False
    env.setenv("WORKBENCH_DEMO", "on")
    env.setenv("WORKBENCH_COOKIE_SECURE", "on")
    assert load_settings().cookie_secure is True


@pytest.mark.parametrize("name", ["WORKBENCH_SESSION_IDLE_MINUTES", "WORKBENCH_SESSION_ABSOLUTE_HOURS",
                                  "WORKBENCH_SCHEDULER_STANDBY_SECONDS"])
def test_whole_number_settings_refuse_other_text(env, name):
    env.setenv(name, "half an hour")
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_session_limits_are_read(env):
    env.setenv("WORKBENCH_SESSION_IDLE_MINUTES", "15")
    env.setenv("WORKBENCH_SESSION_ABSOLUTE_HOURS", "8")
    settings = load_settings()
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (15, 8)


def test_scheduler_standby_interval_is_read_and_must_be_positive(env):
    assert load_settings().scheduler_standby_seconds == 30
    env.setenv("WORKBENCH_SCHEDULER_STANDBY_SECONDS", "5")
    assert load_settings().scheduler_standby_seconds == 5
    env.setenv("WORKBENCH_SCHEDULER_STANDBY_SECONDS", "0")
    with pytest.raises(SettingsError, match="WORKBENCH_SCHEDULER_STANDBY_SECONDS must be 1 or more"):
        load_settings()


def test_allowed_hosts_are_split_and_trimmed(env):
    env.setenv("WORKBENCH_ALLOWED_HOSTS", " workbench.example.org , ,10.0.0.5,")
    assert load_settings().allowed_hosts == ("workbench.example.org", "10.0.0.5")


def test_derived_directories_live_under_the_data_directory(env, tmp_path):
    settings = load_settings()
    root = tmp_path.resolve()
    assert settings.sessions_dir == root / "sessions"
    assert settings.uploads_dir == root / "uploads"
    assert settings.generated_dir == root / "generated"

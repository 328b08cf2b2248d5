"""Fixtures for the compatibility suite: a broker to test and the real clients to test it with.

Which broker (FTGO_COMPAT_TARGET):
  ftgo (default)  `ftgo broker` from FTGO_BIN on a free port with a temporary data dir
  kafka           Apache Kafka 4 in KRaft mode from the jars in kafka-server/target/lib
                  (`mvn -f tests/compat/kafka-server/pom.xml dependency:copy-dependencies
                  -DoutputDirectory=target/lib`): the reference the suite was checked against
  FTGO_COMPAT_BOOTSTRAP=host:port  any running broker; the restart cases are skipped
Every case is bounded in time; every process started here is stopped, even on failure.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import clients  # noqa: E402

FTGO_BIN = os.environ.get("FTGO_BIN", os.path.join(ROOT, "build", "ftgo"))
RDKAFKA_DRIVER = os.environ.get("FTGO_COMPAT_RDKAFKA_DRIVER", os.path.join(ROOT, "build", "compat_rdkafka_driver"))
JAVA_DIR = os.path.join(HERE, "java")
NODE_DIR = os.path.join(HERE, "node")
GO_DRIVER = os.path.join(HERE, "go", "compat-go")  # built by scripts/install-compat.sh
KAFKA_LIB = os.path.join(HERE, "kafka-server", "target", "lib")
# With FTGO_COMPAT_REQUIRE=1 (set by compat.cmake) a missing client fails instead of skipping.
REQUIRE = os.environ.get("FTGO_COMPAT_REQUIRE") == "1"

ALL_CLIENTS = ["confluent", "kafka-python", "kcat", "kafkajs", "java", "rdkafka-cpp"]
GO_CLIENTS = ["franz-go", "sarama"]  # test_go_clients.py and the group cases


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


class FtgoBroker:
    """`ftgo broker` on a free port and data dir; restartable on the same port.

    The first start listens on port 0 and reads the port from the ready line (a port picked
    by free_port() could be taken by another suite before the broker binds it)."""
    restartable = True

    def __init__(self, data_dir, extra_args=()):
        self.port = 0
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.proc = None
        self.log = os.path.join(os.path.dirname(self.data_dir), "broker.log")

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=15):
        # Only this start's ready line counts: after a restart the log holds the last one too.
        seen = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        with open(self.log, "a") as logf:
            self.proc = subprocess.Popen([FTGO_BIN, "broker", "--port", str(self.port), "--data", self.data_dir,
                                          *self.extra_args], stdout=logf, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ftgo broker exited with {self.proc.returncode}: {self.tail()}")
            with open(self.log) as f:
                f.seek(seen)
                ready = re.search(r"ready on [^ ]*:(\d+) ", f.read())
            if ready:
                self.port = int(ready.group(1))
                return self
            time.sleep(0.02)
        raise RuntimeError(f"ftgo broker not ready in {timeout} s: {self.tail()}")

    def tail(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-2000:]

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()


class KafkaBroker(FtgoBroker):
    """Apache Kafka 4 (KRaft, one combined node) from Maven Central's jars: the reference."""

    def __init__(self, data_dir, extra_args=(), props=None):
        super().__init__(data_dir, extra_args)
        self.port = free_port()  # Kafka's listeners are configured before it starts
        self.controller_port = free_port()
        os.makedirs(self.data_dir, exist_ok=True)
        self.props = os.path.join(self.data_dir, "server.properties")
        with open(self.props, "w") as f:
            f.write(f"""process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{self.controller_port}
listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={self.data_dir}/logs
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.partitions=1
log.retention.check.interval.ms=1000
log.cleaner.backoff.ms=1000
""")
            f.writelines(f"{k}={v}\n" for k, v in (props or {}).items())
        cp = os.path.join(KAFKA_LIB, "*")
        subprocess.run(["java", "-cp", cp, "kafka.tools.StorageTool", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg",
                        "-c", self.props], check=True, capture_output=True, timeout=60)

    def start(self, timeout=60):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(["java", "-Xmx512m", "-cp", os.path.join(KAFKA_LIB, "*"), "kafka.Kafka",
                                      self.props], stdout=logf, stderr=subprocess.STDOUT)
        wait_port(self.port, timeout, self.proc)
        return self


class ExternalBroker:
    restartable = False

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap

    def stop(self, *a, **k):
        pass


def make_broker(tmp, extra_args=(), kafka_props=None):
    """`extra_args`: flags of `ftgo broker`; `kafka_props`: server properties added for Kafka."""
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP"):
        return ExternalBroker(os.environ["FTGO_COMPAT_BOOTSTRAP"])
    kind = os.environ.get("FTGO_COMPAT_TARGET", "ftgo")
    cls = {"ftgo": FtgoBroker, "kafka": KafkaBroker}[kind]
    if cls is KafkaBroker:
        return cls(os.path.join(tmp, "data"), extra_args, kafka_props).start()
    return cls(os.path.join(tmp, "data"), extra_args).start()


@pytest.fixture(scope="session")
def target():
    """One broker for a whole test module (pytest session); cases use their own topics."""
    tmp = tempfile.mkdtemp(prefix="ftgo-compat-")
    b = make_broker(tmp)
    yield b
    b.stop()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def own_target(tmp_path):
    """A broker of the test's own, for cases that restart or kill it."""
    b = make_broker(str(tmp_path))
    if not b.restartable:
        pytest.skip("needs a broker the suite starts (FTGO_COMPAT_BOOTSTRAP is set)")
    yield b
    b.stop(signal.SIGKILL)


@pytest.fixture
def topic():
    return f"compat-{uuid.uuid4().hex[:12]}"


def missing(why):
    if REQUIRE:
        pytest.fail(f"{why} (run scripts/install-compat.sh)")
    pytest.skip(f"{why} (run scripts/install-compat.sh)")


class DriverPool:
    """Starts each driver process once per session, on first use."""

    def __init__(self):
        self.drivers = {}

    def get(self, name):
        if name not in self.drivers:
            if name == "java":
                if not os.path.isdir(os.path.join(JAVA_DIR, "target", "classes", "dev")):
                    missing("the Java driver is not built")
                argv = java_argv("serve")
            elif name == "kafkajs":
                if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
                    missing("kafkajs is not installed")
                argv = ["node", os.path.join(NODE_DIR, "driver.js"), "serve"]
            elif name == "rdkafka-cpp":
                if not os.access(RDKAFKA_DRIVER, os.X_OK):
                    missing(f"{RDKAFKA_DRIVER} is not built")
                argv = [RDKAFKA_DRIVER, "serve"]
            elif name.partition("@")[0] in GO_CLIENTS:
                argv = go_argv("serve", name)
            self.drivers[name] = clients.DriverProcess(argv)
        return self.drivers[name]

    def close(self):
        for d in self.drivers.values():
            d.close()


def go_driver():
    if not os.access(GO_DRIVER, os.X_OK):
        missing(f"{GO_DRIVER} is not built")
    return GO_DRIVER


def go_argv(mode, client, *args):
    """compat-go MODE CLIENT ARGS; a client named "sarama@2.8.0" is sarama with that config.Version."""
    base, _, version = client.partition("@")
    env = ["env", f"FTGO_COMPAT_SARAMA_VERSION={version}"] if version else []
    return [*env, go_driver(), mode, base, *args]


def java_argv(*args):
    cp = os.path.join(JAVA_DIR, "target", "classes") + ":" + os.path.join(JAVA_DIR, "target", "lib", "*")
    return ["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", cp, "dev.ftgo.compat.Main", *args]


@pytest.fixture(scope="session")
def drivers():
    pool = DriverPool()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def make_client(drivers):
    """make_client(name, bootstrap) -> a clients.Client."""
    def make(name, bootstrap):
        if name == "confluent":
            return clients.ConfluentClient(bootstrap)
        if name == "kafka-python":
            return clients.KafkaPythonClient(bootstrap)
        if name == "kcat":
            if not shutil.which("kcat"):
                missing("kcat is not installed")
            return clients.KcatClient(bootstrap)
        cls = {"kafkajs": clients.KafkajsClient, "java": clients.JavaClient,
               "rdkafka-cpp": clients.RdkafkaCppClient, "franz-go": clients.FranzGoClient,
               "sarama": clients.SaramaClient}[name.partition("@")[0]]
        client = cls(bootstrap, drivers.get(name))
        client.name = name
        return client
    return make

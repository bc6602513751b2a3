"""The Docker files (docker/, .dockerignore, compose.yaml) checked without Docker: what they copy exists and
reaches the build context, both images install the hashed lock, the ROS image builds the workspace the way
docs/ros_install.md does and puts ``grasp`` on PATH, the default commands name launch files and commands that
exist (and run through the launch file), and the results land in the /runs volume."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import launch_stubs as stubs
import pytest

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src"
EMBEDDED = ROOT / "docker" / "Dockerfile"
ROS = ROOT / "docker" / "ros.Dockerfile"
ENTRYPOINT = ROOT / "docker" / "ros_entrypoint.sh"
COMPOSE = ROOT / "compose.yaml"

pytestmark = pytest.mark.skipif(
    not (EMBEDDED.is_file() and COMPOSE.is_file()), reason="not a checkout (docker/, compose.yaml): e.g. src/ alone"
)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comment lines dropped."""
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        keyword, _, rest = line.strip().partition(" ")
        if keyword:
            result.append((keyword.upper(), rest.strip()))
    return result


def arguments(path: Path, keyword: str) -> list[str]:
    return [rest for name, rest in instructions(path) if name == keyword]


def exec_form(text: str) -> list[str]:
    assert text.startswith("["), f"not in exec (JSON) form: {text}"
    return json.loads(text)


def run_commands(path: Path) -> list[str]:
    """Every command of every RUN, split at &&."""
    return [part.strip() for rest in arguments(path, "RUN") for part in rest.split("&&")]


def ignored(path: str) -> bool:
    """Whether .dockerignore leaves ``path`` (relative to the build context) or a folder above it out."""
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    parts = path.split("/")
    out = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        regex = re.escape(body).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, "/".join(parts[: i + 1])) for i in range(len(parts))):
            out = not negate
    return out


def load_yaml(text: str) -> dict:
    try:
        import yaml
    except ImportError:
        ruamel = pytest.importorskip("ruamel.yaml", reason="neither PyYAML nor ruamel.yaml is installed")
        return ruamel.YAML(typ="safe", pure=True).load(text)
    return yaml.safe_load(text)


def launch_command(command: list[str]) -> dict[str, str]:
    """The ``name:=value`` arguments of ``[bash, -c, "exec ros2 launch grasp_bringup servo.launch.py ..."]``."""
    assert command[:2] == ["bash", "-c"], command
    words = shlex.split(re.sub(r"\$\(date [^)]*\)", "TIME", command[2]))
    assert words[:5] == ["exec", "ros2", "launch", "grasp_bringup", "servo.launch.py"], words
    assert (SRC / "grasp_bringup" / "launch" / words[4]).is_file()
    return dict(word.split(":=", 1) for word in words[5:])


def launched(monkeypatch: pytest.MonkeyPatch, launch_arguments: dict[str, str]) -> dict[str, dict]:
    """The nodes servo.launch.py starts with these arguments (launch stand-ins): executable -> parameters."""
    for name, module in stubs.stub_modules().items():
        monkeypatch.setitem(sys.modules, name, module)
    module = stubs.load_launch_file(SRC / "grasp_bringup" / "launch" / "servo.launch.py")
    description = module.generate_launch_description()
    (opaque,) = [e for e in description.entities if isinstance(e, stubs.OpaqueFunction)]
    entities = opaque.kwargs["function"](stubs.context_for(description, **launch_arguments))
    nodes = [e for e in entities if isinstance(e, stubs.Node)]
    return {
        n.kwargs["executable"]: next(p for p in n.kwargs["parameters"] if isinstance(p, dict)) for n in nodes
    }


def test_copied_paths_exist_and_reach_the_build_context() -> None:
    for dockerfile in (EMBEDDED, ROS):
        copies = arguments(dockerfile, "COPY")
        assert copies, dockerfile
        for rest in copies:
            words = exec_form(rest) if rest.startswith("[") else shlex.split(rest)
            sources = [w for w in words[:-1] if not w.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"{dockerfile.name}: COPY {source}: not in the repository"
                assert not ignored(source.rstrip("/")), f"{dockerfile.name}: COPY {source}: left out by .dockerignore"


def test_dockerignore_leaves_out_local_state_and_keeps_what_the_images_need() -> None:
    for path in (".venv", "runs", "build", "install", "log", ".git", "src/grasp_sim/grasp_sim/__pycache__",
                 "src/grasp_bringup/grasp_bringup.egg-info", ".pytest_cache", ".ruff_cache", "runs/demo-1/x"):
        assert ignored(path), path
    for path in ("src/grasp_bringup/setup.py", "src/grasp_bringup/grasp_bringup/models/grasp_success.onnx",
                 "src/grasp_bringup/launch/servo.launch.py", "src/grasp_interfaces/msg/EncodedFrame.msg",
                 "requirements/runtime.lock", "requirements/torch.txt", "colcon.meta", "docker/ros_entrypoint.sh"):
        assert (ROOT / path).exists() and not ignored(path), path


def test_both_images_install_only_from_the_hashed_lock() -> None:
    for dockerfile in (EMBEDDED, ROS):
        installs = [c for c in run_commands(dockerfile) if re.search(r"\bpip install\b", c)]
        assert any("--require-hashes -r requirements/runtime.lock" in c for c in installs), dockerfile.name
        for command in installs:
            # pinned with hashes, or our own packages / torch's pin without dependencies: nothing unpinned
            assert "--require-hashes" in command or "--no-deps" in command, f"{dockerfile.name}: {command}"


def test_embedded_torch_comes_from_the_cpu_index_like_setup_sh() -> None:
    (torch,) = [c for c in run_commands(EMBEDDED) if "requirements/torch.txt" in c]
    assert "--no-deps" in torch and '--index-url "$TORCH_INDEX"' in torch
    (default,) = [a.split("=", 1)[1] for a in arguments(EMBEDDED, "ARG") if a.startswith("TORCH_INDEX=")]
    setup_default = re.search(r"GRASP_TORCH_INDEX:-([^}]+)\}", (ROOT / "scripts" / "setup.sh").read_text())
    assert setup_default and default == setup_default.group(1)


def test_ros_image_builds_the_workspace_like_ros_install_md() -> None:
    commands = run_commands(ROS)
    (venv,) = [c for c in commands if " -m venv " in c]
    assert venv.startswith("/usr/bin/python3 -m venv --system-site-packages ")
    venv_dir = venv.split()[-1]
    (rosdep,) = [c for c in commands if c.startswith("rosdep install")]
    assert "--from-paths src --ignore-src -y" in rosdep
    skipped = set(shlex.split(rosdep.split("--skip-keys", 1)[1])[0].split())
    doc = (ROOT / "docs" / "ros_install.md").read_text()
    doc_keys = re.search(r'--skip-keys "([^"]+)"', doc)
    assert doc_keys and skipped == set(doc_keys.group(1).split())
    pip_keys = {key for xml in SRC.glob("*/package.xml") for key in re.findall(r">([\w.-]+-pip)<", xml.read_text())}
    assert pip_keys <= skipped, "rosdep would pip-install these system-wide"
    # MoveIt: a build argument with the name the package.xml conditions read
    assert "GRASP_WITH_MOVEIT=0" in arguments(ROS, "ARG")
    assert "$GRASP_WITH_MOVEIT == 1" in (SRC / "grasp_servo" / "package.xml").read_text()
    # colcon under the venv's Python
    build = next(i for i, c in enumerate(commands) if "colcon build" in c)
    assert commands[build].startswith("python3 -m colcon build --base-paths src")
    assert commands[build - 1] == f". {venv_dir}/bin/activate"
    assert commands[build - 2] == ". /opt/ros/jazzy/setup.bash"


def test_ros_image_puts_grasp_on_path() -> None:
    (workdir,) = arguments(ROS, "WORKDIR")
    script_dir = re.search(r"install_scripts\s*=\s*\$base/(\S+)", (SRC / "grasp_bringup" / "setup.cfg").read_text())
    assert script_dir, "setup.cfg names where colcon installs the console scripts"
    assert '"grasp = grasp_bringup.cli:main"' in (SRC / "grasp_bringup" / "setup.py").read_text()
    installed = f"{workdir}/install/grasp_bringup/{script_dir.group(1)}/grasp"
    assert f"ln -s {installed} /usr/local/bin/grasp" in run_commands(ROS)


def test_entrypoint_sources_ros_then_the_venv_then_the_workspace() -> None:
    (workdir,) = arguments(ROS, "WORKDIR")
    (venv,) = [c.split()[-1] for c in run_commands(ROS) if " -m venv " in c]
    (copy,) = [shlex.split(rest) for rest in arguments(ROS, "COPY") if "docker/ros_entrypoint.sh" in rest]
    assert exec_form(arguments(ROS, "ENTRYPOINT")[0]) == [copy[-1]]
    lines = [line for line in ENTRYPOINT.read_text().splitlines() if line and not line.startswith("#")]
    sourced = [line.split()[1] for line in lines if line.startswith("source ")]
    assert sourced == ["/opt/ros/jazzy/setup.bash", f"{venv}/bin/activate", f"{workdir}/install/setup.bash"]
    assert lines[-1] == 'exec "$@"'
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(ENTRYPOINT)], check=True)


def test_ros_default_command_runs_the_whole_sim_graph_into_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    launch_arguments = launch_command(exec_form(arguments(ROS, "CMD")[-1]))
    assert launch_arguments["sim"] == "mujoco" and launch_arguments["robot"] == "ur5"
    nodes = launched(monkeypatch, launch_arguments)
    assert set(nodes) == {"sim_robot_node", "perception_node", "servo_node", "motion_node", "collector_node",
                          "episode_runner"}
    runner = nodes["episode_runner"]
    assert runner["episodes"] == 10 and runner["sim"] is True
    assert runner["out"].startswith("/runs/") and nodes["collector_node"]["bag_path"] == runner["out"] + "/bag"


def test_embedded_default_command_writes_into_the_runs_volume() -> None:
    from grasp_bringup.cli import build_parser
    from grasp_bringup.reports import default_run_dir

    command = exec_form(arguments(EMBEDDED, "CMD")[-1])
    assert command[0] == "grasp" and build_parser().parse_args(command[1:]).command == "demo"
    assert build_parser().parse_args(["demo"]).out is None  # so demo writes to default_run_dir("demo")
    workdir = Path(arguments(EMBEDDED, "WORKDIR")[-1])  # the working directory grasp runs in
    out = workdir / default_run_dir("demo")
    assert out.parent == Path("/runs") and out.name.startswith("demo-"), out  # ./runs/demo-<time> on the host
    assert '-v "$PWD/runs:/runs"' in EMBEDDED.read_text()


def test_compose_runs_the_sim_graph_with_host_network_and_ipc(monkeypatch: pytest.MonkeyPatch) -> None:
    services = load_yaml(COMPOSE.read_text())["services"]
    assert set(services) >= {"graph", "arm"}
    for name, service in services.items():
        assert service["network_mode"] == "host" and service["ipc"] == "host", name
        assert "./runs:/runs" in service["volumes"], name
        assert {"ROS_DOMAIN_ID", "ROS_AUTOMATIC_DISCOVERY_RANGE"} <= set(service["environment"]), name
        assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == ROS, name
    assert "command" not in services["graph"], "the graph service runs the image's default command (above)"
    assert services["arm"]["profiles"] == ["arm"]  # started only when asked for: `docker compose up arm`
    arm = launch_command([word.replace("$$", "$") for word in services["arm"]["command"]])
    assert arm["sim"] == "none"
    nodes = launched(monkeypatch, arm)
    assert "sim_robot_node" not in nodes and "episode_runner" not in nodes
    assert nodes["collector_node"]["bag_path"].startswith("/runs/")


def test_docker_readme_says_what_host_networking_needs() -> None:
    readme = (ROOT / "docker" / "README.md").read_text()
    assert "--ipc=host" in readme and "--net=host" in readme and "docker compose up" in readme

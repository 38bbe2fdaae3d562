# Installs Debian packages the project needs when they are missing (as root), or stops with a
# message naming them. Sourced by scripts/run and scripts/test.

ensure_debian_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing Debian packages: ${missing[*]}"
    # Another apt or dpkg process (an unattended upgrade, a parallel script) may hold the lock:
    # wait up to ten minutes for it rather than fail.
    local wait_lock=(-o DPkg::Lock::Timeout=600)
    DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

ensure_tools() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "'$tool' is not on PATH. Install the .NET SDK 10 and Node.js 20 (with npm) first." >&2
      exit 1
    fi
  done
}

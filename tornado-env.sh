# shellcheck shell=bash
# Finds a TornadoVM SDK and a JDK it runs on, and exports TORNADOVM_HOME, JAVA_HOME and PATH.
#
#   source tornado-env.sh          # says what it found, or what is missing (status 1)
#   TORNADO_ENV_QUIET=1 source tornado-env.sh
#
# The SDK: $TORNADOVM_HOME, else $TORNADO_SDK (older TornadoVM), else common install places
# (~/tornadovm-sdk, ~/TornadoVM/dist/tornadovm-*/*, /opt/tornadovm*, /usr/local/tornadovm*).
# The JDK: the one the SDK was built with (JAVA_HOME in the setvars.sh beside a source build),
# else $JAVA_HOME, else the newest under /usr/lib/jvm, /usr/java, /opt; it must be the release the
# SDK names (5.2.0-jdk25 needs 25) or, for an SDK that names none, 21 or newer.
#
# Then `tornado_java_args` prints the options that turn `java` into TornadoVM's JVM:
#   "$JAVA_HOME/bin/java" $(tornado_java_args) -cp app.jar Main ...
# It prints @ARGFILE, where ARGFILE is the SDK's own tornado-argfile with '.' taken off the module
# path (a copy kept under ~/.cache/tornado-resnet), so java may start in any directory; with
# --stock it prints the SDK's tornado-argfile itself, which must then be used from an empty
# working directory (TornadoVM reads every jar in '.' as a module).
#
# `tornado_preload` prints what LD_PRELOAD must hold for that JVM: the JDK's libjsig.so (signal
# chaining) ahead of whatever it held. OpenCL drivers built on LLVM (PoCL) put LLVM's one-shot crash
# handlers in place of the JVM's SIGSEGV handler, which HotSpot needs for its safepoints; without
# libjsig the JVM dies of SIGSEGV, with no hs_err file, when two threads reach a safepoint at once.
#   LD_PRELOAD=$(tornado_preload) "$JAVA_HOME/bin/java" $(tornado_java_args) -cp app.jar Main ...

_tornado_env_say() {
    [ -n "${TORNADO_ENV_QUIET:-}" ] || echo "tornado-env: $*" >&2
}

# An SDK directory: share/java/tornado with the runtime jars, and an argfile or its template.
_tornado_env_is_sdk() {
    [ -n "$1" ] && [ -d "$1/share/java/tornado" ] \
        && { [ -f "$1/tornado-argfile" ] || [ -f "$1/tornado-argfile.template" ]; }
}

_tornado_env_find_sdk() {
    local c
    for c in "${TORNADOVM_HOME:-}" "${TORNADO_SDK:-}"; do
        if [ -n "$c" ]; then
            if _tornado_env_is_sdk "$c"; then
                (cd "$c" && pwd -P)
                return 0
            fi
            _tornado_env_say "ignoring $c: not a TornadoVM SDK (no share/java/tornado and tornado-argfile)"
        fi
    done
    for c in "$HOME/tornadovm-sdk" "$HOME"/TornadoVM/dist/tornadovm-*/tornadovm-* "$HOME"/tornadovm-*/ \
             /opt/tornadovm* /opt/TornadoVM/dist/tornadovm-*/tornadovm-* /usr/local/tornadovm* \
             "$HOME/TornadoVM/bin/sdk"; do
        if _tornado_env_is_sdk "$c"; then
            (cd "$c" && pwd -P)
            return 0
        fi
    done
    return 1
}

# The Java feature release an SDK needs: N for an SDK named ...-jdkN (etc/tornado.release), else empty.
_tornado_env_sdk_jdk() {
    local version
    version=$(sed -n 's/^version=//p' "$1/etc/tornado.release" 2>/dev/null)
    case "$version" in
        *-jdk[0-9]*) echo "${version##*-jdk}" | tr -dc '0-9' ;;
    esac
}

# Feature release of a JDK (25 for 25.0.3, 8 for 1.8), or nothing when $1 is not a JDK.
_tornado_env_jdk_release() {
    local v=""
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    if [ -f "$1/release" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)"/\1/p' "$1/release")
    fi
    if [ -z "$v" ]; then
        v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    case "$v" in
        1.*) v=${v#1.} ;;
    esac
    v=${v%%[!0-9]*}
    [ -n "$v" ] && echo "$v"
}

_tornado_env_jdk_fits() { # jdk_home required_exact
    local r
    r=$(_tornado_env_jdk_release "$1") || return 1
    if [ -n "$2" ]; then
        [ "$r" = "$2" ]
    else
        [ "$r" -ge 21 ]
    fi
}

_tornado_env_find_jdk() { # sdk required_exact
    local c best="" best_r=0 r
    # the JDK the SDK was built with: setvars.sh of a source build sits at the top of the checkout
    for c in "$1/setvars.sh" "$1/../setvars.sh" "$1/../../setvars.sh" "$1/../../../setvars.sh"; do
        if [ -f "$c" ]; then
            local jh
            jh=$(sed -n 's/^export JAVA_HOME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$c" | head -n 1)
            if [ -n "$jh" ] && _tornado_env_jdk_fits "$jh" "$2"; then
                echo "$jh"
                return 0
            fi
        fi
    done
    if [ -n "${JAVA_HOME:-}" ] && _tornado_env_jdk_fits "$JAVA_HOME" "$2"; then
        echo "$JAVA_HOME"
        return 0
    fi
    for c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
        [ -d "$c" ] && [ ! -L "$c" ] || continue
        if _tornado_env_jdk_fits "$c" "$2"; then
            r=$(_tornado_env_jdk_release "$c")
            if [ "$r" -gt "$best_r" ]; then
                best=$c
                best_r=$r
            fi
        fi
    done
    [ -n "$best" ] && echo "$best"
}

# Prints the JVM options for TornadoVM's JVM (see the top of this file).
tornado_java_args() {
    if [ -z "${TORNADOVM_HOME:-}" ]; then
        echo "tornado-env: TORNADOVM_HOME is not set: source tornado-env.sh first" >&2
        return 1
    fi
    local stock="$TORNADOVM_HOME/tornado-argfile" argfile
    if [ "${1:-}" = "--stock" ]; then
        [ -f "$stock" ] || { echo "tornado-env: $stock is missing" >&2; return 1; }
        argfile=$stock
    else
        local dir="${XDG_CACHE_HOME:-$HOME/.cache}/tornado-resnet" key
        key=$(printf '%s' "$TORNADOVM_HOME" | cksum | cut -d' ' -f1)
        argfile="$dir/tornado-argfile-$key"
        local source=$stock
        [ -f "$source" ] || source="$TORNADOVM_HOME/tornado-argfile.template"
        if [ ! -f "$argfile" ] || [ "$source" -nt "$argfile" ]; then
            mkdir -p "$dir" || return 1
            # the template has ${TORNADOVM_HOME} where the argfile has the path
            sed -e "s#\${TORNADOVM_HOME}#$TORNADOVM_HOME#g" \
                -e 's#^--module-path \.:#--module-path #' \
                -e 's#^--module-path \.$##' "$source" > "$argfile.$$" && mv "$argfile.$$" "$argfile" || return 1
        fi
    fi
    # no silent fallback to the JVM when a kernel does not compile; room for big task graphs; TornadoVM's
    # own cap on device memory (4GB unless told) raised so that the device's real size is the limit
    echo "@$argfile -Dtornado.recover.bailout=False -Dtornado.tvm.maxbytecodesize=1048576 -Dtornado.device.memory=${TORNADO_DEVICE_MEMORY:-1024GB}"
}

tornado_preload() {
    if [ -z "${JAVA_HOME:-}" ]; then
        echo "tornado-env: JAVA_HOME is not set: source tornado-env.sh first" >&2
        return 1
    fi
    local jsig="$JAVA_HOME/lib/libjsig.so"
    [ -f "$jsig" ] || { echo "tornado-env: $jsig is missing" >&2; return 1; }
    echo "$jsig${LD_PRELOAD:+:$LD_PRELOAD}"
}

_tornado_env_main() {
    local sdk jdk need
    if ! sdk=$(_tornado_env_find_sdk); then
        _tornado_env_say "no TornadoVM SDK found: set TORNADOVM_HOME to one (the directory with tornado-argfile and share/java/tornado); looked in \$TORNADOVM_HOME, \$TORNADO_SDK, ~/tornadovm-sdk, ~/TornadoVM/dist, /opt/tornadovm*, /usr/local/tornadovm*"
        return 1
    fi
    need=$(_tornado_env_sdk_jdk "$sdk")
    if ! jdk=$(_tornado_env_find_jdk "$sdk" "$need"); then
        _tornado_env_say "TornadoVM SDK at $sdk, but no JDK ${need:-21 or newer} found: set JAVA_HOME to one (looked in the SDK's setvars.sh, \$JAVA_HOME, /usr/lib/jvm, /usr/java, /opt)"
        return 1
    fi
    export TORNADOVM_HOME="$sdk"
    export JAVA_HOME="$jdk"
    case ":$PATH:" in
        *":$JAVA_HOME/bin:"*) ;;
        *) PATH="$JAVA_HOME/bin:$PATH" ;;
    esac
    case ":$PATH:" in
        *":$TORNADOVM_HOME/bin:"*) ;;
        *) PATH="$TORNADOVM_HOME/bin:$PATH" ;;
    esac
    export PATH
    _tornado_env_say "TORNADOVM_HOME=$TORNADOVM_HOME ($(sed -n 's/^version=//p' "$sdk/etc/tornado.release" 2>/dev/null || echo unknown version), backends: $(sed -n 's/^tornado.backends=//p' "$sdk/etc/tornado.backend" 2>/dev/null)); JAVA_HOME=$JAVA_HOME (Java $(_tornado_env_jdk_release "$jdk"))"
}

if [ "${BASH_SOURCE[0]:-$0}" = "$0" ] && [ -n "${BASH_VERSION:-}" ]; then
    echo "tornado-env: source this file (source tornado-env.sh) so that it can export the variables" >&2
    exit 2
fi
_tornado_env_main

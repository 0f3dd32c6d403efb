package io.tornadoresnet.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the form {@code --name value} and {@code --flag}, plus positional
 * arguments. Every option a command reads is declared by reading it; {@link #rejectUnknown()}
 * then names any option the user gave that the command does not know.
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> known = new HashSet<>();

    Args(String[] args, Set<String> flagNames) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    values.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (flagNames.contains(name)) {
                    flags.add(name);
                } else if (i + 1 < args.length) {
                    values.put(name, args[++i]);
                } else {
                    throw new UsageException("option --" + name + " needs a value");
                }
            } else {
                positional.add(a);
            }
        }
    }

    boolean flag(String name) {
        known.add(name);
        return flags.contains(name);
    }

    String string(String name, String fallback) {
        known.add(name);
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a whole number, got '" + v + "'");
        }
    }

    int positiveInteger(String name, int fallback) {
        int v = integer(name, fallback);
        if (v <= 0) {
            throw new UsageException("--" + name + " must be positive, got " + v);
        }
        return v;
    }

    double real(String name, double fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + v + "'");
        }
    }

    /** Gives an option a value unless the command line gave one (e.g. a recipe's default). */
    Args withDefault(String name, String value) {
        values.putIfAbsent(name, value);
        return this;
    }

    List<String> positional() {
        return positional;
    }

    /** Fails with the names of options nobody read. */
    void rejectUnknown() {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
        }
        for (String name : flags) {
            if (!known.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    /** A mistake in the command line: reported with the usage, exit status 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}

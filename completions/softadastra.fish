function __softadastra_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __softadastra_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __softadastra_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __softadastra_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __softadastra_parse_tokens -S
    set -l unparsed_tokens (__softadastra_tokens -pc)
    switch $unparsed_tokens[1]
    case 'softadastra'
        __softadastra_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'status'
            __softadastra_parse_subcommand 0 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'store'
            __softadastra_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'put'
                __softadastra_parse_subcommand 2 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'get'
                __softadastra_parse_subcommand 1 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'delete'
                __softadastra_parse_subcommand 1 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'list'
                __softadastra_parse_subcommand 0 'prefix=' '0/null' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'import'
                __softadastra_parse_subcommand 1 'format=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'export'
                __softadastra_parse_subcommand 0 'prefix=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            end
        case 'wal-dump'
            __softadastra_parse_subcommand 1 'header' 'max-value-bytes=' 'full-values' 'from-lsn=' 'to-lsn=' 'limit=' 'op=' 'key=' 'prefix=' 'since=' 'until=' 'stats' 'follow' 'format=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'wal-verify'
            __softadastra_parse_subcommand 1 'repair' 'salvage' 'backup-to=' 'dry-run' 'format=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'wal-replay'
            __softadastra_parse_subcommand 1 'to-lsn=' 'to-time=' 'exclusive' 'recovery=' 'export' 'output=' 'format=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'snapshot'
            __softadastra_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __softadastra_parse_subcommand 0 'full' 'level=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'verify'
                __softadastra_parse_subcommand -r 1 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'list'
                __softadastra_parse_subcommand 0 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            end
        case 'backup'
            __softadastra_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __softadastra_parse_subcommand 0 'o/output=' 'dir=' 'level=' 'progress' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'verify'
                __softadastra_parse_subcommand 1 'restore-command=' 'list-command=' 'from-node=' 'command-timeout=' 'quick' 'progress' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'list'
                __softadastra_parse_subcommand 1 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'prune'
                __softadastra_parse_subcommand 1 'keep=' 'keep-within=' 'dry-run' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            end
        case 'archive'
            __softadastra_parse_subcommand 0 'dir=' 'archive-command=' 'interval=' 'base-every=+' 'command-timeout=' 'once' 'level=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'restore'
            __softadastra_parse_subcommand 1 'restore-command=' 'list-command=' 'from-node=' 'command-timeout=' 'to-lsn=' 'to-time=' 'force' 'dry-run' 'progress' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'wal-convert'
            __softadastra_parse_subcommand 2 'to=' 'salvage' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
        case 'sync'
            __softadastra_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'status'
                __softadastra_parse_subcommand 0 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'export'
                __softadastra_parse_subcommand 0 'peer=' 'o/output=' 'full' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'import'
                __softadastra_parse_subcommand 1 'reply=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'with'
                __softadastra_parse_subcommand -r 1 'timeout=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'serve'
                __softadastra_parse_subcommand 0 'stdio' 'timeout=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            case 'forget'
                __softadastra_parse_subcommand 0 'peer=' 'data-dir=' 'node-id=' 'wal=' 'no-auto-flush' 'lock-timeout=' 'checkpoint-bytes=' 'json' 'version' 'h/help'
            end
        case 'help'
            __softadastra_parse_subcommand -r 1 'version'
        end
    end
end

function __softadastra_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __softadastra_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __softadastra_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __softadastra_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__softadastra_tokens -p)
    if test -z "$(__softadastra_tokens -t)"
        set -l index (count (__softadastra_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'softadastra' -f
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'status' -d 'Show the node\'s WAL, store and sync state.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'store' -d 'Read and write the node\'s keys.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'wal-dump' -d 'Print the WAL\'s records, one per line.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'wal-verify' -d 'Check the WAL\'s header, every record\'s CRC, LSNs and payloads; repair on request.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'wal-replay' -d 'Rebuild the store from the WAL, up to any LSN or time, and summarize, export or compact it.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'snapshot' -d 'Save the node\'s state as a snapshot and start a fresh WAL; check or list snapshots.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'backup' -d 'Write, verify, list and prune backup archives of the node.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'archive' -d 'Ship every committed record to a directory or through a command, as it is written.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'restore' -d 'Restore the node from a backup archive, whole or up to a point in time.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'wal-convert' -d 'Convert a log between the native format and the C++ runtime\'s format (cpp-v1).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'sync' -d 'Exchange writes with other nodes: status, bundles, live exchanges.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'put' -d 'Set a key to a value.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'get' -d 'Print a key\'s value.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'delete' -d 'Delete a key.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'list' -d 'List keys in byte order.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'import' -d 'Import key/value lines as one atomic batch.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store" -eq 1' -fa 'export' -d 'Print every key and value as JSON Lines, in key order.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store put" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" prefix' -l 'prefix' -d 'Only keys that start with this prefix.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" 0 null' -s '0' -l 'null' -d 'End each key with a NUL byte instead of a newline, unquoted.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra store import" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" format' -l 'format' -d 'tsv (key<TAB>value) or jsonl.' -rfka 'tsv jsonl'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" prefix' -l 'prefix' -d 'Only keys that start with this prefix.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra store export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra wal-dump" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" header' -l 'header' -d 'Print the file header first.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" max-value-bytes' -l 'max-value-bytes' -d 'Show at most this many bytes of each value.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" full-values' -l 'full-values' -d 'Show values whole.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" from-lsn' -l 'from-lsn' -d 'Only records with this LSN or later.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" to-lsn' -l 'to-lsn' -d 'Only records with this LSN or earlier.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" limit' -l 'limit' -d 'Stop after this many records.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" op' -l 'op' -d 'Only puts or only deletes.' -rfka 'put delete'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" key' -l 'key' -d 'Only operations on this key.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" prefix' -l 'prefix' -d 'Only operations on keys with this prefix.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" since' -l 'since' -d 'Only records at or after this time (ISO 8601 UTC or @unix-seconds).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" until' -l 'until' -d 'Only records at or before this time.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" stats' -l 'stats' -d 'Print counts, bytes, ranges and what compaction would reclaim instead of records.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" follow' -l 'follow' -d 'Keep printing records as a writer appends them, until interrupted.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" format' -l 'format' -d 'The log\'s format, native or cpp-v1 (default: recognised by its bytes).' -rfka 'native cpp-v1'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-dump" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra wal-verify" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" repair' -l 'repair' -d 'Cut a torn tail off (and, with --salvage, repair damage in the middle).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" salvage' -l 'salvage' -d 'With --repair: keep every intact record around damage in the middle.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" backup-to' -l 'backup-to' -d 'With --repair: copy the original here instead of <wal>.broken-<time>.' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" dry-run' -l 'dry-run' -d 'With --repair: say what would be done and change nothing.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" format' -l 'format' -d 'The log\'s format, native or cpp-v1 (default: recognised by its bytes).' -rfka 'native cpp-v1'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra wal-replay" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" to-lsn' -l 'to-lsn' -d 'Stop at this LSN (inclusive).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" to-time' -l 'to-time' -d 'Stop at this time (inclusive; ISO 8601 UTC or @unix-seconds).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" exclusive' -l 'exclusive' -d 'Stop just before --to-lsn / --to-time instead of at it.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" recovery' -l 'recovery' -d 'strict, tolerate-tail, point-in-time or salvage.' -rfka 'strict tolerate-tail point-in-time salvage'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" export' -l 'export' -d 'Print the resulting state as JSON Lines (as store export does).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" output' -l 'output' -d 'Write the resulting state to a new, compacted WAL.' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" format' -l 'format' -d 'The log\'s format, native or cpp-v1 (default: recognised by its bytes).' -rfka 'native cpp-v1'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra snapshot" -eq 1' -fa 'create' -d 'Save the state as a snapshot and start a fresh WAL after it (the default).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra snapshot" -eq 1' -fa 'verify' -d 'Check snapshots block by block (the node\'s, or the files given).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra snapshot" -eq 1' -fa 'list' -d 'List the node\'s snapshots and archived WALs, newest snapshot first.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" full' -l 'full' -d 'Write a full snapshot, merging any delta into it (a delta costs what changed).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" level' -l 'level' -d 'zlib compression level, 0 (store) to 9 (smallest). Default: 9 for snapshots (1 for a node\'s first, with no dictionary to search); for backups, the snapshot\'s blocks as they are (a delta, or a snapshot of an older format, is written anew at 6) and 6 for the WAL.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra snapshot verify" -ge 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra snapshot list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup" -eq 1' -fa 'create' -d 'Write a backup archive of the node (the default).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup" -eq 1' -fa 'verify' -d 'Check a backup archive as restore would, without restoring.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup" -eq 1' -fa 'list' -d 'List the backup archives in a directory, newest first.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup" -eq 1' -fa 'prune' -d 'Remove old backup archives from a directory, keeping the newest.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" o output' -l 'output' -s 'o' -d 'The archive to write, or - for standard output.' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" dir' -l 'dir' -d 'Write the archive into this directory as <node-id>-<UTC time>-<lsn>.sdbackup.' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" level' -l 'level' -d 'zlib compression level, 0 (store) to 9 (smallest). Default: 9 for snapshots (1 for a node\'s first, with no dictionary to search); for backups, the snapshot\'s blocks as they are (a delta, or a snapshot of an older format, is written anew at 6) and 6 for the WAL.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" progress' -l 'progress' -d 'Show progress on standard error (the default when it is a terminal).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup verify" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" restore-command' -l 'restore-command' -d 'Read continuous archiving through this shell command, which writes the file %f to stdout.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" list-command' -l 'list-command' -d 'With --restore-command: the shell command that lists the archive\'s file names.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" from-node' -l 'from-node' -d 'The node whose archive chains to read, when the archive holds several.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" command-timeout' -l 'command-timeout' -d 'Stop a command that runs longer than this many seconds (default 600).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" quick' -l 'quick' -d 'Check only the manifest and the parts\' checksums.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" progress' -l 'progress' -d 'Show progress on standard error (the default when it is a terminal).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup list" -eq 1' -fa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra backup prune" -eq 1' -fa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" keep' -l 'keep' -d 'Keep the newest N archives of each node.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" keep-within' -l 'keep-within' -d 'Keep archives younger than this (such as 90m, 36h, 7d, 4w).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" dry-run' -l 'dry-run' -d 'List what would be removed; remove nothing.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra backup prune" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" dir' -l 'dir' -d 'Store the files in this directory.' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" archive-command' -l 'archive-command' -d 'Store each file through this shell command (%f: its name; the file on stdin).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" interval' -l 'interval' -d 'Seconds between looks at the log (default 1).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive"' -l 'base-every' -d 'Ship a new base after this many bytes of records (512M, 1G) or this long (30m, 24h, 7d); may be given twice. Default: 1G and 24h.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" command-timeout' -l 'command-timeout' -d 'Stop a command that runs longer than this many seconds (default 600).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" once' -l 'once' -d 'Ship what is new, then exit.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" level' -l 'level' -d 'zlib compression level, 0 (store) to 9 (smallest). Default: 6.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra archive" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra restore" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" restore-command' -l 'restore-command' -d 'Read continuous archiving through this shell command, which writes the file %f to stdout.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" list-command' -l 'list-command' -d 'With --restore-command: the shell command that lists the archive\'s file names.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" from-node' -l 'from-node' -d 'The node whose archive chains to read, when the archive holds several.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" command-timeout' -l 'command-timeout' -d 'Stop a command that runs longer than this many seconds (default 600).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" to-lsn' -l 'to-lsn' -d 'Restore the state at this LSN (inclusive).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" to-time' -l 'to-time' -d 'Restore the state at this time (inclusive; ISO 8601 UTC or @unix-seconds).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" force' -l 'force' -d 'Replace an existing node, keeping its files as *.pre-restore-<UTC time>.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" dry-run' -l 'dry-run' -d 'Verify and print what would be restored; change nothing.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" progress' -l 'progress' -d 'Show progress on standard error (the default when it is a terminal).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra restore" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" to' -l 'to' -d 'The format to write: native or cpp-v1.' -rfka 'native cpp-v1'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra wal-convert" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra wal-convert" -eq 2' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" salvage' -l 'salvage' -d 'Convert every intact record of a damaged source, skipping the damage.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra wal-convert" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'status' -d 'Show the outbox and every known peer\'s position.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'export' -d 'Write a bundle of the operations a peer lacks.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'import' -d 'Verify a bundle and apply it atomically.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'with' -d 'Exchange writes both ways with a node reached through a command.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'serve' -d 'Answer one exchange from `softadastra sync with` on standard input and output.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync" -eq 1' -fa 'forget' -d 'Forget a peer: a retired node, or a mistyped --peer.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" peer' -l 'peer' -d 'The node the bundle is for.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" o output' -l 'output' -s 'o' -d 'Where to write it, or - for standard output.' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" full' -l 'full' -d 'Send the whole state, not only what the peer has not acknowledged.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_positional "softadastra sync import" -eq 1' -F
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" reply' -l 'reply' -d 'Then write the bundle for the sender here, or - for standard output.' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" timeout' -l 'timeout' -d 'Give up when the exchange takes longer than this.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync with" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" stdio' -l 'stdio' -d 'Talk over standard input and output (required: the only transport).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" timeout' -l 'timeout' -d 'Give up when the exchange takes longer than this.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" peer' -l 'peer' -d 'The peer to forget.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" data-dir' -l 'data-dir' -d 'Directory of the node\'s files (env SOFTADASTRA_DATA_DIR; default: data).' -rfa '(__softadastra_complete_directories)'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" node-id' -l 'node-id' -d 'This node\'s id (env SOFTADASTRA_NODE_ID; default: softadastra).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" wal' -l 'wal' -d 'The WAL file (env SOFTADASTRA_WAL; default: <data-dir>/<node-id>.wal).' -rF
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" no-auto-flush' -l 'no-auto-flush' -d 'Do not sync each write to disk before acknowledging it (faster, not durable).'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another writer\'s commit before exiting with 75.' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" checkpoint-bytes' -l 'checkpoint-bytes' -d 'Save a snapshot when the WAL holds this many bytes of records; 0 never (env SOFTADASTRA_CHECKPOINT_BYTES; default: 67108864).' -rfka ''
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" version' -l 'version' -d 'Show the version.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra sync forget" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'softadastra' -n '__softadastra_should_offer_completions_for_flags_or_options "softadastra help" version' -l 'version' -d 'Show the version.'

#!/bin/bash

__softadastra_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__softadastra_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__softadastra_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__softadastra_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_softadastra() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __softadastra_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    status|store|wal-dump|wal-verify|wal-replay|snapshot|backup|archive|restore|wal-convert|sync|help)
        # Offer subcommand argument completions
        "_softadastra_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'status store wal-dump wal-verify wal-replay snapshot backup archive restore wal-convert sync help' -- "${cur}"))
        ;;
    esac
}

_softadastra_status() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_store() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __softadastra_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    put|get|delete|list|import|export)
        # Offer subcommand argument completions
        "_softadastra_store_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'put get delete list import export' -- "${cur}"))
        ;;
    esac
}

_softadastra_store_put() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_store_get() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_store_delete() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_store_list() {
    repeating_flags=()
    non_repeating_flags=(-0 --null --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--prefix --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--prefix')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_store_import() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __softadastra_add_completions -W 'tsv'$'\n''jsonl'
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_store_export() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--prefix --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--prefix')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_wal-dump() {
    repeating_flags=()
    non_repeating_flags=(--header --full-values --stats --follow --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--max-value-bytes --from-lsn --to-lsn --limit --op --key --prefix --since --until --format --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--max-value-bytes')
        return
        ;;
    '--from-lsn')
        return
        ;;
    '--to-lsn')
        return
        ;;
    '--limit')
        return
        ;;
    '--op')
        __softadastra_add_completions -W 'put'$'\n''delete'
        return
        ;;
    '--key')
        return
        ;;
    '--prefix')
        return
        ;;
    '--since')
        return
        ;;
    '--until')
        return
        ;;
    '--format')
        __softadastra_add_completions -W 'native'$'\n''cpp-v1'
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_wal-verify() {
    repeating_flags=()
    non_repeating_flags=(--repair --salvage --dry-run --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--backup-to --format --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--backup-to')
        __softadastra_add_completions -f
        return
        ;;
    '--format')
        __softadastra_add_completions -W 'native'$'\n''cpp-v1'
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_wal-replay() {
    repeating_flags=()
    non_repeating_flags=(--exclusive --export --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--to-lsn --to-time --recovery --output --format --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--to-lsn')
        return
        ;;
    '--to-time')
        return
        ;;
    '--recovery')
        __softadastra_add_completions -W 'strict'$'\n''tolerate-tail'$'\n''point-in-time'$'\n''salvage'
        return
        ;;
    '--output')
        __softadastra_add_completions -f
        return
        ;;
    '--format')
        __softadastra_add_completions -W 'native'$'\n''cpp-v1'
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_snapshot() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __softadastra_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|verify|list)
        # Offer subcommand argument completions
        "_softadastra_snapshot_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create verify list' -- "${cur}"))
        ;;
    esac
}

_softadastra_snapshot_create() {
    repeating_flags=()
    non_repeating_flags=(--full --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--level --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--level')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_snapshot_verify() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_snapshot_list() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_backup() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __softadastra_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|verify|list|prune)
        # Offer subcommand argument completions
        "_softadastra_backup_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create verify list prune' -- "${cur}"))
        ;;
    esac
}

_softadastra_backup_create() {
    repeating_flags=()
    non_repeating_flags=(--progress --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o --dir --level --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        __softadastra_add_completions -f
        return
        ;;
    '--dir')
        __softadastra_add_completions -d
        return
        ;;
    '--level')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_backup_verify() {
    repeating_flags=()
    non_repeating_flags=(--quick --progress --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--restore-command --list-command --from-node --command-timeout --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--restore-command')
        return
        ;;
    '--list-command')
        return
        ;;
    '--from-node')
        return
        ;;
    '--command-timeout')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_backup_list() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -d
        return
        ;;
    esac
}

_softadastra_backup_prune() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--keep --keep-within --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--keep')
        return
        ;;
    '--keep-within')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -d
        return
        ;;
    esac
}

_softadastra_archive() {
    repeating_flags=()
    non_repeating_flags=(--once --no-auto-flush --json --version -h --help)
    repeating_options=(--base-every)
    non_repeating_options=(--dir --archive-command --interval --command-timeout --level --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        __softadastra_add_completions -d
        return
        ;;
    '--archive-command')
        return
        ;;
    '--interval')
        return
        ;;
    '--base-every')
        return
        ;;
    '--command-timeout')
        return
        ;;
    '--level')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_restore() {
    repeating_flags=()
    non_repeating_flags=(--force --dry-run --progress --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--restore-command --list-command --from-node --command-timeout --to-lsn --to-time --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--restore-command')
        return
        ;;
    '--list-command')
        return
        ;;
    '--from-node')
        return
        ;;
    '--command-timeout')
        return
        ;;
    '--to-lsn')
        return
        ;;
    '--to-time')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_wal-convert() {
    repeating_flags=()
    non_repeating_flags=(--salvage --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--to --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--to')
        __softadastra_add_completions -W 'native'$'\n''cpp-v1'
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    2)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_sync() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __softadastra_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    status|export|import|with|serve|forget)
        # Offer subcommand argument completions
        "_softadastra_sync_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'status export import with serve forget' -- "${cur}"))
        ;;
    esac
}

_softadastra_sync_status() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_sync_export() {
    repeating_flags=()
    non_repeating_flags=(--full --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--peer --output -o --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--peer')
        return
        ;;
    '--output'|'-o')
        __softadastra_add_completions -f
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_sync_import() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--reply --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--reply')
        __softadastra_add_completions -f
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __softadastra_add_completions -f
        return
        ;;
    esac
}

_softadastra_sync_with() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--timeout --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--timeout')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_sync_serve() {
    repeating_flags=()
    non_repeating_flags=(--stdio --no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--timeout --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--timeout')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_sync_forget() {
    repeating_flags=()
    non_repeating_flags=(--no-auto-flush --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--peer --data-dir --node-id --wal --lock-timeout --checkpoint-bytes)
    __softadastra_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--peer')
        return
        ;;
    '--data-dir')
        __softadastra_add_completions -d
        return
        ;;
    '--node-id')
        return
        ;;
    '--wal')
        __softadastra_add_completions -f
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--checkpoint-bytes')
        return
        ;;
    esac
}

_softadastra_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __softadastra_offer_flags_options -1
}

complete -o filenames -F _softadastra softadastra

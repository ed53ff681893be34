" Vim syntax file
" Language:    handover (escalation policies for AI support, *.handover)
" Maintainer:  the handover project (editors/nvim in the handover repository)
"
" Covers the same tokens as the VS Code TextMate grammar: `#` comments and
" `##` doc comments, keywords, types, actions, priority levels, operators,
" numbers, percentages, durations, strings with escapes, regular expressions
" after `matches`, booleans, and the declared names: the policy, fields, lets,
" queues (also after route/human/draft), rules and examples.  The language
" server's semantic tokens refine this where the client supports them.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_

" --- comments ----------------------------------------------------------------
syn keyword handoverTodo        contained TODO FIXME XXX NOTE
syn match   handoverComment     "#.*$" contains=handoverTodo,@Spell
" `##` documents the next declaration; defined after `#` so that it wins.
syn match   handoverDocComment  "##.*$" contains=handoverTodo,@Spell

" --- strings -----------------------------------------------------------------
" Only \" \\ and \n are escapes; a backslash before anything else stays as
" written.  A string ends at the end of its line (a raw newline is an error).
syn match   handoverEscape      +\\["\\n]+ contained
syn region  handoverString      start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contains=handoverEscape

" The pattern after `matches` (Rust regex syntax).
syn match   handoverRegexSpecial +(?[A-Za-z-]*[:)]\|\\[^"\\n]\|[|^$*+?.()]\|\[[^\]]*\]\|{\d\+\%(,\d*\)\=}+ contained
syn region  handoverRegex       start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contained contains=handoverEscape,handoverRegexSpecial

" --- numbers -----------------------------------------------------------------
" Order matters: among matches that start at the same column the one defined
" last wins, so a malformed number is the fallback.
syn match   handoverNumberError "\w\@<!-\=\d[A-Za-z0-9_%.]*"
syn match   handoverNumber      "\w\@<!-\=\d\+[A-Za-z0-9_%]\@!"
syn match   handoverFloat       "\w\@<!-\=\d\+\.\d\+[A-Za-z0-9_%.]\@!"
syn match   handoverPercent     "\w\@<!-\=\d\+\%(\.\d\+\)\=%[A-Za-z0-9_%]\@!"
syn match   handoverDuration    "\w\@<!\%(\d\+d\%(\d\+h\)\=\%(\d\+m\)\=\|\d\+h\%(\d\+m\)\=\|\d\+m\)[A-Za-z0-9_%]\@!"

" --- operators and punctuation -------------------------------------------------
syn match   handoverDelimiter   "[,:(){}]"
syn match   handoverArrow       "=>"
syn match   handoverRange       "\.\."
" A comparison (or `=` in a let or an example) and the value after it.
syn match   handoverComparison  "!=\|<=\|>=\|=>\@!\|<\|>" nextgroup=handoverValue,handoverValueSet skipwhite

" --- names -----------------------------------------------------------------------
let s:not_reserved = '\%(\<\%(and\|or\|not\|in\|has\|any\|all\|is\|when\|then\|true\|false\)\>\)\@!'
execute 'syn match handoverValue "' . s:not_reserved . '\h\w*" contained'
syn match   handoverSetValue    "\h\w*" contained
syn region  handoverValueSet    matchgroup=handoverDelimiter start="{" end="}" contained contains=handoverSetValue,handoverComparison,handoverString,handoverNumber,handoverFloat,handoverPercent,handoverDuration,handoverBoolean,handoverComment,handoverDocComment,handoverDelimiter

" A field read in a condition or set in an example: a name before an operator,
" or a name after when/and/or/not/( (a bool field on its own).
syn match   handoverFieldRef    "\h\w*\ze\s*\%(!=\|<=\|>=\|=>\@!\|<\|>\|\<not\s\+in\>\|\<in\>\|\<has\>\|\<matches\>\|\<contains\>\|\<is\>\)"
execute 'syn match handoverFieldRef "\%(\<\%(when\|and\|or\|not\)\s\+\|(\s*\)\@<=' . s:not_reserved . '\h\w*"'
" Values of an automation entry: names before `=>`.
syn match   handoverAutoValue   "\h\w*\ze\%(\s*,\s*\h\w*\)*\s*=>"

syn match   handoverFieldName   "\h\w*" contained
syn match   handoverLetName     "\h\w*" contained
syn match   handoverByField     "\h\w*" contained
syn region  handoverPolicyName  start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contained contains=handoverEscape
syn region  handoverQueueName   start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contained contains=handoverEscape
syn region  handoverRuleName    start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contained contains=handoverEscape
syn region  handoverExampleName start=+"+ skip=+\\["\\]+ end=+"+ end=+$+ oneline contained contains=handoverEscape

" What a ticket carries: context items and fields (ticket requires, attach).
syn keyword handoverContext     contained question summary sources missing_knowledge sentiment history customer
syn match   handoverItem        "\h\w*" contained contains=handoverContext nextgroup=handoverItemSep skipwhite
syn match   handoverItemSep     "," contained nextgroup=handoverItem skipwhite skipnl

" --- keywords --------------------------------------------------------------------
" Keywords win over matches that start at the same column, so the words below
" are keywords and the names that follow them are reached through nextgroup.
syn keyword handoverDeclaration policy      nextgroup=handoverPolicyName skipwhite
syn keyword handoverDeclaration field       nextgroup=handoverFieldName skipwhite
syn keyword handoverDeclaration let         nextgroup=handoverLetName skipwhite
syn keyword handoverDeclaration queue       nextgroup=handoverQueueName skipwhite
syn keyword handoverDeclaration rule        nextgroup=handoverRuleName skipwhite
syn keyword handoverDeclaration example     nextgroup=handoverExampleName skipwhite
syn keyword handoverDeclaration ticket automation
syn keyword handoverKeyword     requires    nextgroup=handoverItem skipwhite
syn keyword handoverKeyword     by          nextgroup=handoverByField skipwhite
syn keyword handoverKeyword     sla
syn keyword handoverConditional when then otherwise expect
syn keyword handoverLogical     and or not
syn keyword handoverOperatorWord has        nextgroup=handoverValue skipwhite
syn keyword handoverOperatorWord in any all nextgroup=handoverValueSet skipwhite skipnl
syn keyword handoverOperatorWord matches    nextgroup=handoverRegex skipwhite
syn keyword handoverOperatorWord is missing present
" `contains` is also an argument of :syntax, so it cannot be a :syn keyword.
syn match   handoverOperatorWord "\<contains\>"
syn keyword handoverModifier    priority tag note
syn keyword handoverModifier    attach      nextgroup=handoverItem skipwhite
syn keyword handoverType        enum level set nextgroup=handoverValueSet skipwhite skipnl
syn keyword handoverType        number int bool text
syn keyword handoverAction      answer
syn keyword handoverAction      draft route human nextgroup=handoverQueueName skipwhite
syn keyword handoverPriority    low normal high urgent
syn keyword handoverBoolean     true false

syn sync minlines=50

" --- colours -----------------------------------------------------------------------
hi def link handoverTodo         Todo
hi def link handoverComment      Comment
hi def link handoverDocComment   SpecialComment
hi def link handoverString       String
hi def link handoverEscape       SpecialChar
hi def link handoverRegex        String
hi def link handoverRegexSpecial SpecialChar
hi def link handoverNumberError  Error
hi def link handoverNumber       Number
hi def link handoverFloat        Float
hi def link handoverPercent      Number
hi def link handoverDuration     Number
hi def link handoverDelimiter    Delimiter
hi def link handoverArrow        Operator
hi def link handoverRange        Operator
hi def link handoverComparison   Operator
hi def link handoverValue        Constant
hi def link handoverSetValue     Constant
hi def link handoverAutoValue    Constant
hi def link handoverFieldRef     Identifier
hi def link handoverFieldName    Identifier
hi def link handoverLetName      Identifier
hi def link handoverByField      Identifier
hi def link handoverPolicyName   Title
hi def link handoverQueueName    Structure
hi def link handoverRuleName     Function
hi def link handoverExampleName  Function
hi def link handoverContext      Special
hi def link handoverItem         Identifier
hi def link handoverItemSep      Delimiter
hi def link handoverDeclaration  Keyword
hi def link handoverKeyword      Keyword
hi def link handoverConditional  Conditional
hi def link handoverLogical      Operator
hi def link handoverOperatorWord Operator
hi def link handoverModifier     StorageClass
hi def link handoverType         Type
hi def link handoverAction       Function
hi def link handoverPriority     Constant
hi def link handoverBoolean      Boolean

let b:current_syntax = 'handover'

let &cpo = s:cpo_save
unlet s:cpo_save

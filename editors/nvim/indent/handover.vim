" Indentation for handover policies: two spaces inside `{ ... }`, and the
" `when`/`then` lines of a named rule (and their continuations) under it.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=HandoverIndent(v:lnum)
setlocal indentkeys=0},0),!^F,o,O,=when,=then
setlocal autoindent nosmartindent
let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent< smartindent<'

if exists('*HandoverIndent')
  finish
endif

" The previous line that is neither blank nor a comment.
function! s:PrevCode(lnum) abort
  let l = a:lnum - 1
  while l > 0 && getline(l) =~# '^\s*\%(#.*\)\=$'
    let l -= 1
  endwhile
  return l
endfunction

function! HandoverIndent(lnum) abort
  let line = getline(a:lnum)
  " A statement keyword other than `when` starts a statement at column 0.
  if line =~# '^\s*\%(policy\|field\|let\|queue\|ticket\|automation\|rule\|example\)\>'
    return 0
  endif
  let prev = s:PrevCode(a:lnum)
  if prev == 0
    return 0
  endif
  let pline = substitute(getline(prev), '\s*#.*$', '', '')
  let ind = indent(prev)
  " `when` starts a rule: under its `rule "name"` header, else at column 0.
  if line =~# '^\s*when\>'
    return pline =~# '^\s*rule\>' && pline !~# '\<when\>' ? shiftwidth() : 0
  endif
  " `then` lines up with its `when`, or goes under an unnamed rule's `when`.
  if line =~# '^\s*then\>'
    let l = prev
    while l > 1 && getline(l) !~# '^\s*when\>'
      let l -= 1
    endwhile
    return getline(l) =~# '^when\>' ? shiftwidth() : indent(l)
  endif
  " A closing brace lines up with the line that opened the block.
  if line =~# '^\s*[})]'
    return max([ind - shiftwidth(), 0])
  endif
  if pline =~# '[{(]\s*$'
    return ind + shiftwidth()
  endif
  if pline =~# '^\s*rule\>' && pline !~# '\<when\>'
    return shiftwidth()
  endif
  " A condition or the modifiers continued on the next line line up after
  " `when ` / `then `.
  if pline =~# '^\s*\%(when\|then\)\>' && pline !~# '^\s*when\>.*\<then\>'
    return ind + 5
  endif
  return ind
endfunction

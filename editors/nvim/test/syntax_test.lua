-- Headless check of syntax/handover.vim, ftdetect and ftplugin (used by
-- editors/vscode/test.sh when `nvim` is installed; not required by CI):
--
--   nvim --headless -u NONE -i NONE -l editors/nvim/test/syntax_test.lua FILE...   (0.9+)
--   nvim --headless -u NONE -i NONE +'luafile editors/nvim/test/syntax_test.lua' +q   (older;
--        files from $HANDOVER_SYNTAX_FILES, separated by newlines)
--
-- For every file: the filetype is detected, the syntax loads without an
-- error message, every word of code (outside comments and strings) has a
-- syntax group, and no malformed-number error is shown. Prints
-- "nvim syntax: N passed, N failed" and exits non-zero on failure.
local here = debug.getinfo(1, 'S').source:sub(2)
local root = vim.fn.fnamemodify(here, ':p:h:h')
vim.opt.runtimepath:prepend(root)
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')

local files = {}
for _, a in ipairs(_G.arg or {}) do
  table.insert(files, a)
end
if #files == 0 and vim.env.HANDOVER_SYNTAX_FILES then
  for f in vim.env.HANDOVER_SYNTAX_FILES:gmatch('[^\n]+') do
    table.insert(files, f)
  end
end

local passed, failed = 0, 0
local function fail(msg)
  failed = failed + 1
  io.stderr:write('nvim syntax: ' .. msg .. '\n')
end

for _, file in ipairs(files) do
  vim.v.errmsg = ''
  vim.cmd('silent! edit ' .. vim.fn.fnameescape(file))
  local problems = {}
  if vim.bo.filetype ~= 'handover' then
    table.insert(problems, 'filetype is "' .. vim.bo.filetype .. '"')
  end
  if vim.b.current_syntax ~= 'handover' then
    table.insert(problems, 'syntax/handover.vim did not load')
  end
  if vim.bo.commentstring ~= '# %s' then
    table.insert(problems, 'commentstring is "' .. vim.bo.commentstring .. '"')
  end
  if vim.v.errmsg ~= '' then
    table.insert(problems, 'error: ' .. vim.v.errmsg)
  end
  for l = 1, vim.api.nvim_buf_line_count(0) do
    local text = vim.fn.getline(l)
    for s, w in text:gmatch('()([%w_%%]+)') do
      local name = vim.fn.synIDattr(vim.fn.synID(l, s, 1), 'name')
      if name == '' then
        table.insert(problems, string.format('%d:%d "%s" has no syntax group', l, s, w))
      elseif name == 'handoverNumberError' then
        table.insert(problems, string.format('%d:%d "%s" shown as a malformed number', l, s, w))
      end
    end
  end
  if #problems == 0 then
    passed = passed + 1
  else
    fail(file .. ': ' .. table.concat(problems, '; '))
  end
  vim.cmd('silent! bwipeout!')
end

print(string.format('nvim syntax: %d passed, %d failed', passed, failed))
io.stdout:write('\n')
vim.cmd(failed == 0 and #files > 0 and 'qall!' or 'cquit! 1')

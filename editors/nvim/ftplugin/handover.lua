-- Filetype settings for handover policies (*.handover).
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = true

local opt = vim.opt_local
opt.commentstring = '# %s'
-- `##` doc comments first so that `gq` and `o` continue them as doc comments.
opt.comments = ':##,:#'
opt.formatoptions:remove('t')
opt.formatoptions:append('croql')
opt.expandtab = true
opt.shiftwidth = 2
opt.softtabstop = 2
opt.tabstop = 2
-- `handover fmt` is the formatter; the language server formats too (`vim.lsp.buf.format()`).
opt.iskeyword = '@,48-57,_'
opt.suffixesadd = '.handover'

vim.b.undo_ftplugin = table.concat({
  'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth<',
  'softtabstop< tabstop< iskeyword< suffixesadd<',
}, ' ')

-- Neovim 0.11+ configuration of the handover language server, found by
-- `vim.lsp.enable('handover')` when editors/nvim is on 'runtimepath'.
-- Override any field with `vim.lsp.config('handover', { ... })`, e.g.
--   vim.lsp.config('handover', { init_options = { conversations = 'data/conversations.jsonl' } })
-- to get the inline simulation code lenses (`vim.lsp.codelens.refresh()`).
---@type vim.lsp.Config
return {
  cmd = { 'handover', 'lsp' },
  filetypes = { 'handover' },
  root_markers = { '.git' },
  init_options = vim.empty_dict(),
}
